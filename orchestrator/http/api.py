"""Serving one request with an API step: route, read, validate, invoke, respond.

This layer speaks HTTP but not Quart: `step_requests` hands it each request straight
from the ASGI server and sends back what it answers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

from orchestrator.core.errors import (
    InvocationTimeout,
    RemoteError,
    RunnerCrashed,
    RunnerUnavailable,
    SteppeError,
)
from orchestrator.core.ids import span_id
from orchestrator.core.tracing import SAMPLED, TraceParent, new_trace_id
from orchestrator.http.cors import add_cors_headers, preflight_headers
from orchestrator.http.env import HttpEnv
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import JSON_TYPE, encode_json, error_body
from orchestrator.http.router import Match, MethodNotAllowed, NoRoute
from orchestrator.http.streamed import invoke_streamable, log_handler_threw
from orchestrator.model.step import Step
from orchestrator.runtime.response_stream import ResponseStream
from orchestrator.services.invoker import SKIPPED
from orchestrator.stores.redis_worker import STORAGE_UNAVAILABLE


class BodyTooLarge(Exception):
    """Raised by `ApiRequest.read_body` when the body is over the size limit (413)."""


class BodyTimeout(Exception):
    """Raised by `ApiRequest.read_body` when the body does not arrive within the body
    timeout (408)."""


@dataclass(slots=True)
class ApiRequest:
    method: str
    path: str  # percent-decoded, for messages
    raw_path: str  # as sent, still percent-encoded: `/items/a%2Fb` is one segment, not two
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    query: dict[str, str | list[str]]  # a name given more than once has a list
    read_body: Callable[[], Awaitable[bytes]]  # the whole body (b"" when none was sent)
    # Where a handler that streams its answer keeps running once the answer has begun
    # (None when no step of the project can stream: nothing to pay for then).
    tasks: trio.Nursery | None = None
    # Set once a streamed answer's head is sent: nothing else may be sent after it.
    head_sent: bool = False


@dataclass(slots=True)
class ApiResponse:
    status: int
    headers: dict[str, str]  # lower-case names; the sender adds content-length
    body: bytes = b""
    # A streamed answer: `body` is empty and the chunks come from here, as they are written.
    stream: ResponseStream | None = None


# Methods a metric names as sent; any other is counted as OTHER (labels must be bounded).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Statuses whose responses carry no content (RFC 9110 §6.4.1): no body, no length.
BODILESS_STATUSES = frozenset({204, 304})
# A handler's header name must be an HTTP token, and no value may break the header block.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BREAKS_HEADER = re.compile(r"[\r\n\0]")
# The body's framing is the server's to set: a handler's own would contradict it.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding"})


# What a context call's StorageError is called when it reaches the handler
# (wiring/runtime.Host.handle_call), and so when it comes back uncaught.
# `StorageUnavailable` is Redis lost (stores/redis_worker.RedisUnavailable).
STORAGE_ERRORS = frozenset({"StorageError", "StorageFull", "StorageClosed", STORAGE_UNAVAILABLE})


class InvalidHandlerResponse(Exception):
    """A handler returned something that is not an HTTP response; says what."""


def json_api_response(
    body: Any, status: int, trace_id: str, headers: dict[str, str] | None = None
) -> ApiResponse:
    """`body` as JSON; `headers` (lower-case names) may replace the content type."""
    all_headers = {"content-type": JSON_TYPE}
    if headers:
        all_headers.update(headers)
    all_headers["x-trace-id"] = trace_id
    return ApiResponse(status, all_headers, encode_json(body).encode())


def api_error(
    status: int, error: str, trace_id: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> ApiResponse:
    """An error body of docs/reference.md §4 (`responses.error_body`) with its status."""
    return json_api_response(error_body(error, trace_id, **extra), status, trace_id, headers)


async def serve_api_request(env: HttpEnv, request: ApiRequest) -> ApiResponse:
    began = time.perf_counter()
    if request.method == "OPTIONS":
        routes = [(r.step, r.method) for r in env.router.routes_at(request.raw_path)]
        preflight = preflight_headers(env.cors, routes, request.headers)
        if preflight is not None:
            return ApiResponse(204, preflight)
    try:
        match = env.router.match(request.method, request.raw_path)
    except (NoRoute, MethodNotAllowed) as exc:
        response = _no_step(request, exc)
        # One series for every path no step answers: paths are unbounded, series must not be.
        method = request.method if request.method in _METHODS else "OTHER"
        env.tracer.metrics.observe_request("", method, response.status, time.perf_counter() - began)
        return response
    step = match.step
    # A caller's `traceparent` continues its trace; this request is a span of it, whose
    # id goes back in the response's `traceparent` (the API step's span).
    caller = TraceParent.parse(request.headers.get("traceparent"))
    trace_id = env.tracer.start_trace(
        "http", f"{request.method} {request.path}", caller.trace_id if caller else None
    )
    here = TraceParent(trace_id, span_id(), caller.flags if caller else SAMPLED)
    response = await _serve_step(env, request, match, caller, here)
    response.headers["traceparent"] = here.header
    origin = request.headers.get("origin")
    if origin is not None:
        add_cors_headers(env.cors, step, origin, response.headers)
    seconds = time.perf_counter() - began
    env.tracer.metrics.observe_request(match.trigger.path, request.method, response.status, seconds)
    if env.access_log:
        elapsed = seconds * 1000
        level = "error" if response.status >= 500 else "info"
        env.logs.write(
            level,
            f"{request.method} {request.path} → {response.status} in {elapsed:.1f} ms",
            step=step.name,
            trace_id=trace_id,
            source="http",
        )
    return response


def _no_step(request: ApiRequest, exc: NoRoute | MethodNotAllowed) -> ApiResponse:
    if isinstance(exc, NoRoute):
        return api_error(404, f"no route for {request.path}", new_trace_id())
    return api_error(
        405,
        f"{request.method} is not allowed on {request.path}",
        new_trace_id(),
        headers={"allow": ", ".join(exc.allowed)},
    )


async def _serve_step(
    env: HttpEnv,
    request: ApiRequest,
    match: Match,
    caller: TraceParent | None,
    here: TraceParent,
) -> ApiResponse:
    step = match.step
    trace_id = here.trace_id
    try:
        raw = await request.read_body()
        body = _parse_body(raw, request, step, env.settings.max_json_depth)
    except BodyTooLarge:
        limit = env.settings.body_limit
        return api_error(
            413, "request body too large", trace_id, message=f"the limit is {limit} bytes"
        )
    except BodyTimeout as exc:
        return api_error(408, "request timeout", trace_id, message=str(exc))
    except BadRequest as exc:
        return api_error(400, "malformed JSON", trace_id, message=str(exc))
    schema = match.trigger.body_schema
    if schema is not None and request.method not in ("GET", "HEAD", "DELETE"):
        errors = env.body_validator(step.name, schema).errors(body)
        if errors:
            return api_error(
                400, "validation failed", trace_id, errors=[e.as_json() for e in errors]
            )
    request_input = {
        "body": body,
        "headers": request.headers,
        "pathParams": match.path_params,
        "queryParams": request.query,
    }
    if step.is_v1:  # Motia 1.0: {request: {…, method, requestBody}}; the runner adds response
        # The raw body goes along as bytes: the runner makes `request.requestBody` of it.
        v1_fields = {"method": request.method, "requestBody": raw}
        request_input = {"request": request_input | v1_fields}

    async def invoke(stream: ResponseStream | None = None) -> Any:
        return await env.invoker.invoke(
            step, trace_id, request_input, parent=caller, span_id=here.span_id,
            trigger=match.trigger, response=stream,
        )  # fmt: skip

    try:
        if step.is_v1 and request.tasks is not None:  # the answer may begin before the end
            result = await invoke_streamable(env, request.tasks, step, trace_id, invoke)
        else:
            result = await invoke()
    except RemoteError as exc:
        if exc.name in STORAGE_ERRORS:
            return _storage_unavailable(env, step, exc, trace_id)
        return _handler_threw(env, step, exc, trace_id)
    except InvocationTimeout as exc:
        return api_error(504, "handler timed out", trace_id, message=str(exc))
    except (RunnerUnavailable, RunnerCrashed) as exc:
        # In start mode the outside hears no process details (pids, exit codes).
        detail = str(exc) if env.mode == "dev" else "the step's runner is restarting; retry"
        return api_error(503, "runner unavailable", trace_id, message=detail)
    except SteppeError as exc:
        return api_error(500, "internal error", trace_id, message=str(exc))
    if result is SKIPPED:
        return _condition_refused(env, request, match, trace_id)
    try:
        if isinstance(result, ResponseStream):
            return _streamed_response(result, trace_id)
        return step_response(result, trace_id, bodiless_when_absent=step.is_v1)
    except InvalidHandlerResponse as exc:
        if isinstance(result, ResponseStream):
            result.leave()  # nothing it writes can be sent: the handler is cancelled
        message = f"{step.name} returned {exc}"
        log_line = f"invalid handler response: {message}"
        env.logs.write("error", log_line, step=step.name, trace_id=trace_id)
        return api_error(500, "invalid handler response", trace_id, message=message)


def _parse_body(raw: bytes, request: ApiRequest, step: Step, max_depth: int) -> Any:
    """The body as JSON; raises BadRequest. A 1.0 step's body whose content type does
    not say JSON and that is not JSON is null, not an error: the handler reads it from
    `request.requestBody`, as Motia 1.0's engine parses only JSON bodies
    (engine/src/modules/rest_api/views.rs)."""
    try:
        return parse_json_body(raw, max_depth)
    except BadRequest:
        if step.is_v1 and "json" not in request.headers.get("content-type", ""):
            return None
        raise


def _condition_refused(
    env: HttpEnv, request: ApiRequest, match: Match, trace_id: str
) -> ApiResponse:
    """A 1.0 http trigger whose condition said no answers as if no route matched, as
    Motia 1.0's engine does when it finds no function for the request (404)."""
    index = match.trigger.index
    env.logs.write(
        "info",
        f"{request.method} {request.path}: the condition of triggers[{index}] is false; "
        "the handler did not run",
        step=match.step.name,
        trace_id=trace_id,
    )
    return api_error(404, f"no route for {request.path}", trace_id)


def _storage_unavailable(env: HttpEnv, step: Step, exc: RemoteError, trace_id: str) -> ApiResponse:
    """A context call failed to save (state, emit, streams) and the handler let it
    through: the server's trouble, not the request's, and worth a retry (503)."""
    logged = f"{step.name} [{step.path}] could not save its data: {exc.remote_message}"
    if exc.name != STORAGE_UNAVAILABLE:  # Redis lost: its worker said so once already
        env.logs.write("error", logged, step=step.name, trace_id=trace_id)
    if env.mode == "start":  # no file names to the outside
        why = "the disk is full" if exc.name == "StorageFull" else "storage is unavailable"
        message = f"{step.name} could not save its data: {why}; retry later"
    else:
        message = logged
    return api_error(503, "storage unavailable", trace_id, message=message)


def _handler_threw(env: HttpEnv, step: Step, exc: RemoteError, trace_id: str) -> ApiResponse:
    log_handler_threw(env, step, exc, trace_id)
    if env.mode == "start":
        # No stack traces or messages to the outside in production; the log has them.
        return api_error(500, "handler threw", trace_id)
    return api_error(
        500, "handler threw", trace_id, name=exc.name, message=exc.remote_message, stack=exc.stack
    )


def _streamed_response(stream: ResponseStream, trace_id: str) -> ApiResponse:
    """The head of an answer the handler streams, once its status and headers are
    checked as a returned response's are; the body follows as it is written."""
    assert stream.head is not None
    status = _status(stream.head.status)
    headers = _handler_headers(stream.head.headers) | {"x-trace-id": trace_id}
    return ApiResponse(status, headers, stream=stream)


def _status(status: Any) -> int:
    # 1xx are not final responses: HTTP/1.1 cannot send one in place of an answer.
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        raise InvalidHandlerResponse(f"status {status!r}; expected an integer from 200 to 599")
    return status


def step_response(result: Any, trace_id: str, *, bodiless_when_absent: bool = False) -> ApiResponse:
    """The HTTP response a handler's `{status, body, headers?}` asks for. A string (or
    bytes) body with a content type that is not JSON goes as it is; any other body as
    JSON. Raises InvalidHandlerResponse, saying what is wrong, for anything else.
    `bodiless_when_absent`: no `body` key means an empty body (a 1.0 handler that
    returned nothing after `response.status()`), not JSON null."""
    if not isinstance(result, dict):
        raise InvalidHandlerResponse(
            f"{type(result).__name__}; expected {{status, body, headers?}}"
        )
    status = _status(result.get("status", 200))
    headers = _handler_headers(result.get("headers"))
    if status in BODILESS_STATUSES or (bodiless_when_absent and "body" not in result):
        return ApiResponse(status, headers | {"x-trace-id": trace_id})
    body = result.get("body")
    content_type = headers.get("content-type")
    if isinstance(body, str | bytes) and content_type and "json" not in content_type:
        headers["x-trace-id"] = trace_id
        return ApiResponse(status, headers, body.encode() if isinstance(body, str) else body)
    try:
        return json_api_response(body, status, trace_id, headers)
    except (TypeError, ValueError) as exc:
        raise InvalidHandlerResponse(f"a body that is not JSON ({exc})") from None


def _handler_headers(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidHandlerResponse(f"headers of type {type(raw).__name__}; expected an object")
    headers: dict[str, str] = {}
    for name, value in raw.items():
        name, value = str(name), str(value)
        if not _TOKEN.fullmatch(name):
            raise InvalidHandlerResponse(f"the header name {name!r}, which HTTP does not allow")
        if _BREAKS_HEADER.search(value):
            raise InvalidHandlerResponse(f"a line break or NUL in the value of header {name!r}")
        lower = name.lower()
        if lower not in _FRAMING_HEADERS:
            headers[lower] = value
    return headers

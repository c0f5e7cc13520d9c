"""Serving one request with an API step: route, read, validate, invoke, respond."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from quart import Request, Response
from werkzeug.exceptions import RequestEntityTooLarge

from orchestrator.errors import (
    InvocationTimeout,
    RemoteError,
    RunnerCrashed,
    RunnerUnavailable,
    SteppeError,
)
from orchestrator.http.env import HttpEnv
from orchestrator.http.responses import error_response, json_response
from orchestrator.http.router import MethodNotAllowed, NoRoute
from orchestrator.rpc.wire import unencodable_reason
from orchestrator.step import Step, language_name
from orchestrator.tracing import new_trace_id


class BadRequest(Exception):
    """Raised when a request body cannot be read as JSON."""


_INT64 = range(-(2**63), 2**64)


def _parse_int(text: str) -> int | float:
    """Integers beyond 64 bits become floats, as JSON.parse makes them in JavaScript:
    msgpack (and so every runner) cannot carry them as integers."""
    value = int(text)
    return value if value in _INT64 else float(value)


def parse_json_body(raw: bytes | str) -> Any:
    """The body as JSON (None when empty); raises BadRequest for anything malformed, or
    for JSON that no step could receive (see wire.unencodable_reason)."""
    if not raw.strip():
        return None
    try:
        body = json.loads(raw, parse_int=_parse_int)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    reason = unencodable_reason(body)
    if reason is not None:
        raise BadRequest(f"the body cannot be passed to a step: {reason}")
    return body


def _headers(request: Request) -> dict[str, str]:
    # Straight from the ASGI scope (names already lower case): building werkzeug's
    # Headers object first would cost more than the whole dict.
    headers: dict[str, str] = {}
    for raw_name, raw_value in request.scope["headers"]:
        key = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _query(request: Request) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {}
    if not request.scope.get("query_string"):
        return query
    for name in request.args:
        values = request.args.getlist(name)
        query[name] = values[0] if len(values) == 1 else values
    return query


def _raw_path(request: Request) -> str:
    """The path as sent, still percent-encoded: `/items/a%2Fb` is one segment, not two."""
    raw = request.scope.get("raw_path")
    return raw.decode("utf-8", errors="replace").split("?", 1)[0] if raw else request.path


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


async def _read_body(request: Request, headers: dict[str, str] | None = None) -> bytes | str:
    # A request that announces no body (most GETs) is not read at all: waiting for the
    # end of an empty body costs a trip through the scheduler on every request.
    if not _has_body(_headers(request) if headers is None else headers):
        return b""
    return await request.get_data(cache=False, as_text=False)


async def drain_body(request: Request) -> None:
    """Read (and drop) a body we answer without using. Hypercorn cannot reuse a
    keep-alive connection whose request body was left unread, so the client's next
    request on it would hang."""
    # Too large to drain: Hypercorn closes the connection, which is right then.
    with contextlib.suppress(RequestEntityTooLarge):
        await _read_body(request)


async def serve_api_request(env: HttpEnv, request: Request) -> Response:
    began = time.perf_counter()
    try:
        match = env.router.match(request.method, _raw_path(request))
    except NoRoute:
        await drain_body(request)
        trace_id = new_trace_id()
        return error_response(404, f"no route for {request.path}", trace_id)
    except MethodNotAllowed as exc:
        await drain_body(request)
        trace_id = new_trace_id()
        allow = ", ".join(exc.allowed)
        return error_response(
            405,
            f"{request.method} is not allowed on {request.path}",
            trace_id,
            headers={"allow": allow},
        )
    step = match.step
    trace_id = env.tracer.start_trace("http", f"{request.method} {request.path}")
    response = await _serve_step(env, request, step, match.path_params, trace_id)
    if env.access_log:
        elapsed = (time.perf_counter() - began) * 1000
        level = "error" if response.status_code >= 500 else "info"
        env.logs.write(
            level,
            f"{request.method} {request.path} → {response.status_code} in {elapsed:.1f} ms",
            step=step.name,
            trace_id=trace_id,
            source="http",
        )
    return response


async def _serve_step(
    env: HttpEnv, request: Request, step: Step, path_params: dict[str, str], trace_id: str
) -> Response:
    headers = _headers(request)
    raw = await _read_body(request, headers)
    try:
        body = parse_json_body(raw)
    except BadRequest as exc:
        return error_response(400, "malformed JSON", trace_id, message=str(exc))
    schema = step.body_schema
    if schema is not None and request.method not in ("GET", "HEAD", "DELETE"):
        errors = env.body_validator(step.name, schema).errors(body)
        if errors:
            return error_response(
                400,
                "validation failed",
                trace_id,
                errors=[e.as_json() for e in errors],
            )
    request_input = {
        "body": body,
        "headers": headers,
        "pathParams": path_params,
        "queryParams": _query(request),
    }
    try:
        result = await env.invoker.invoke(step, trace_id, request_input)
    except RemoteError as exc:
        return _handler_threw(env, step, exc, trace_id)
    except InvocationTimeout as exc:
        return error_response(504, "handler timed out", trace_id, message=str(exc))
    except (RunnerUnavailable, RunnerCrashed) as exc:
        return error_response(503, "runner unavailable", trace_id, message=str(exc))
    except SteppeError as exc:
        return error_response(500, "internal error", trace_id, message=str(exc))
    return _step_response(step, result, trace_id)


def _handler_threw(env: HttpEnv, step: Step, exc: RemoteError, trace_id: str) -> Response:
    # The stack goes in the message so that the console shows it as lines, not JSON.
    stack = f"\n{exc.stack}" if exc.stack else ""
    env.logs.write(
        "error",
        f"{language_name(step)} handler threw {exc.name}: {exc.remote_message}{stack}",
        step=step.name,
        trace_id=trace_id,
    )
    if env.mode == "start":
        # No stack traces or messages to the outside in production; the log has them.
        return error_response(500, "handler threw", trace_id)
    return error_response(
        500, "handler threw", trace_id, name=exc.name, message=exc.remote_message, stack=exc.stack
    )


def _step_response(step: Step, result: Any, trace_id: str) -> Response:
    if not isinstance(result, dict) or not isinstance(result.get("status", 200), int):
        return error_response(
            500,
            "invalid handler response",
            trace_id,
            message=f"{step.name} returned {type(result).__name__}; "
            "expected {status, body, headers?}",
        )
    status = result.get("status", 200)
    if not 100 <= status <= 599:
        return error_response(
            500, "invalid handler response", trace_id, message=f"status {status} is not valid"
        )
    raw_headers = result.get("headers")
    headers = (
        {str(k): str(v) for k, v in raw_headers.items()} if isinstance(raw_headers, dict) else {}
    )
    body = result.get("body")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if isinstance(body, str) and content_type and "json" not in content_type:
        response = Response(body, status=status, content_type=content_type)
        for name, value in headers.items():
            response.headers[name] = value
        response.headers["x-trace-id"] = trace_id
        return response
    return json_response(body, status, trace_id, headers)

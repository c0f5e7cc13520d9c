"""The test API, for testers in other processes (the JS tester, the Ruby helper) under
`steppe test` (docs/reference.md §13). Served only by a server a test run started and
attached its `TestHooks` to; any other server answers 404, so `steppe dev` never
exposes a route that wipes its state.

    POST /testing/reset          wait for the bus, then empty state, streams and dead letters
    POST /testing/idle           wait until every accepted event is handled (retries too)
    GET  /testing/events?since=  events emitted since a cursor: `{events, next}`
    GET  /testing/logs?since=    log entries since a cursor: `{entries, next, text}`
    POST /testing/emit           publish `{topic, data, traceId?, flows?, ...}` (202)
    POST /testing/run            invoke one step with a recording context (`steppe run`)
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from quart import Blueprint, Response, request

from orchestrator.core.errors import CallbackError, RemoteError, StepNotFound, SteppeError
from orchestrator.core.tracing import new_trace_id
from orchestrator.core.types import JSON
from orchestrator.http.env import HttpEnv, current_env
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import error_response, json_response, validation_error
from orchestrator.services.invoker import error_record

routes = Blueprint("testing", __name__)

DEFAULT_IDLE_TIMEOUT = 30.0


class TestHooks(Protocol):
    """What a test run's server does for the test API (orchestrator/testing/bench.py)."""

    async def reset(self) -> None: ...

    async def wait_idle(self, timeout: float) -> bool:
        """True once idle; False when `timeout` seconds passed first."""
        ...

    def events(self, since: int) -> tuple[list[dict[str, Any]], int]: ...

    def logs(self, since: int) -> tuple[list[dict[str, Any]], int]: ...

    def logs_text(self, entries: list[dict[str, Any]]) -> str:
        """The entries of a test's traces as text, for its failure report."""
        ...

    async def emit(self, event: dict[str, Any]) -> str:
        """Publish a tester's event; its trace id. CallbackError when refused."""
        ...

    async def run(
        self, step: str, data: JSON, params: dict[str, str], query: dict[str, str]
    ) -> dict[str, Any]: ...


# id(HttpEnv) → hooks. An env is one server's for its whole life, so its id is a key
# that `detach` frees when the test run ends.
_attached: dict[int, TestHooks] = {}


def attach(env: HttpEnv, hooks: TestHooks) -> None:
    """Serve the test API on the server that owns `env`."""
    _attached[id(env)] = hooks


def detach(env: HttpEnv) -> None:
    _attached.pop(id(env), None)


def _hooks() -> TestHooks | Response:
    hooks = _attached.get(id(current_env()))
    if hooks is None:
        return error_response(404, "the test API is served only by `steppe test`", new_trace_id())
    return hooks


async def _body() -> dict[str, Any] | Response:
    try:
        body = parse_json_body(await request.get_data(cache=False, as_text=False))
    except BadRequest as exc:
        return error_response(400, "malformed JSON", new_trace_id(), message=str(exc))
    if body is None:
        return {}
    if not isinstance(body, dict):
        return validation_error("(body)", "a JSON object is required", new_trace_id())
    return body


def _required_text(body: dict[str, Any], name: str) -> str | Response:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        return validation_error(name, "a non-empty string is required", new_trace_id())
    return value


def _with_body(
    handler: Callable[[TestHooks, dict[str, Any]], Awaitable[Response]],
) -> Callable[[], Awaitable[Response]]:
    """A route that takes the hooks and a JSON object body, or answers 404 or 400."""

    @functools.wraps(handler)
    async def route() -> Response:
        hooks = _hooks()
        if isinstance(hooks, Response):
            return hooks
        body = await _body()
        return body if isinstance(body, Response) else await handler(hooks, body)

    return route


@routes.post("/testing/reset")
async def reset() -> Response:
    hooks = _hooks()
    if isinstance(hooks, Response):
        return hooks
    await hooks.reset()
    return json_response({"reset": True})


@routes.post("/testing/idle")
@_with_body
async def idle(hooks: TestHooks, body: dict[str, Any]) -> Response:
    timeout = body.get("timeout", DEFAULT_IDLE_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        return validation_error("timeout", "a positive number of seconds", new_trace_id())
    if await hooks.wait_idle(float(timeout)):
        return json_response({"idle": True})
    return error_response(
        504, "events still running", new_trace_id(), message=f"not idle after {timeout} s"
    )


@routes.get("/testing/events")
async def events() -> Response:
    hooks = _hooks()
    if isinstance(hooks, Response):
        return hooks
    found, cursor = hooks.events(request.args.get("since", default=0, type=int) or 0)
    return json_response({"events": found, "next": cursor})


@routes.get("/testing/logs")
async def logs() -> Response:
    hooks = _hooks()
    if isinstance(hooks, Response):
        return hooks
    entries, cursor = hooks.logs(request.args.get("since", default=0, type=int) or 0)
    return json_response({"entries": entries, "next": cursor, "text": hooks.logs_text(entries)})


@routes.post("/testing/emit")
@_with_body
async def emit(hooks: TestHooks, body: dict[str, Any]) -> Response:
    if isinstance(topic := _required_text(body, "topic"), Response):
        return topic
    try:
        trace_id = await hooks.emit(body)
    except CallbackError as exc:
        return error_response(400, "validation failed", new_trace_id(), message=str(exc))
    return json_response({"traceId": trace_id}, 202, trace_id)


@routes.post("/testing/run")
@_with_body
async def run(hooks: TestHooks, body: dict[str, Any]) -> Response:
    """`{step, data?, params?, query?}` → what `steppe run` prints, and the run's logs."""
    if isinstance(step := _required_text(body, "step"), Response):
        return step
    params, query = body.get("params") or {}, body.get("query") or {}
    for name, value in (("params", params), ("query", query)):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return validation_error(name, "an object of strings is required", new_trace_id())
    try:
        return json_response(await hooks.run(step, body.get("data"), params, query))
    except StepNotFound as exc:
        return error_response(404, str(exc), new_trace_id())
    except RemoteError as exc:
        return error_response(500, "handler threw", new_trace_id(), **error_record(exc))
    except SteppeError as exc:
        return error_response(400, "step not run", new_trace_id(), message=str(exc))

"""Calling a Motia 1.0 step the way motia-py's runtime does (motia-py/packages/motia/src/
motia/runtime.py, `_register_*_trigger` and `_register_condition`), for an `invoke` that
carries `trigger` (runners/README.md, "Motia 1.0 invocations").

- http: `handler(MotiaHttpArgs, ctx)`: `request` and `response`, the request's fields at
  the top level too; the trigger's middleware (or an older RC's root `middleware`) runs
  around it as `(args, ctx, next)`.
- queue: the data; state/stream: the change record; cron: `None`.
- `condition:<i>`: `(input, ctx)` with the handler's input, except for http: the plain
  request (an ApiRequest), as motia-py's condition gets. Its answer is made a bool.

A one-parameter function gets the input alone (`async def handler(request)`, Motia's
HANDLER_MIGRATION_GUIDE.md); a one-parameter cron handler gets the context, as 0.17's
and motia-py's multi_trigger_step cron handlers do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from .context import Input
from .flow import FlowContext
from .http_response import Caller, MotiaHttpResponse
from .loader import LoadedFile, StepFunction
from .middleware import run_around
from .motia.types import (
    ApiRequest,
    MotiaHttpArgs,
    MotiaHttpRequest,
    StateTriggerInput,
    StreamEvent,
    StreamTriggerInput,
)
from .request_body import RequestBody

Call = Callable[[StepFunction, tuple[Any, ...]], Awaitable[Any]]


class Streamer(Caller, Protocol):
    """The invocation, which keeps its http `response` (a cancel aborts it)."""

    response: MotiaHttpResponse | None


async def call_v1(
    loaded: LoadedFile,
    fn_name: str,
    fn: StepFunction,
    params: dict[str, Any],
    context: FlowContext,
    call: Call,
    invocation: Streamer,
) -> Any:
    """The result of `fn_name` for this 1.0 invocation."""
    kind = context.trigger.get("type")
    raw = params.get("input")

    async def call_fn(function: StepFunction, args: tuple[Any, ...]) -> Any:
        if function.one_arg and len(args) == 2:
            args = (args[1],) if kind == "cron" else (args[0],)
        return await call(function, args)

    if fn_name.startswith("condition:"):
        value = ApiRequest(_request(raw)) if kind == "http" else _handler_input(kind, raw)
        context.input_value = value
        return bool(await call_fn(fn, (value, context)))
    if kind != "http":
        context.input_value = _handler_input(kind, raw)
        return await call_fn(fn, (context.input_value, context))
    request = MotiaHttpRequest(_request(raw))
    request["requestBody"] = RequestBody(request.get("requestBody"))
    response = invocation.response = MotiaHttpResponse(invocation)
    args = MotiaHttpArgs({**request, "request": request, "response": response})
    context.input_value = args
    # Older 1.0 RCs put `middleware` at the config's root (HANDLER_MIGRATION_GUIDE.md).
    chain = loaded.trigger_middleware.get(context.trigger.get("index", -1)) or loaded.middleware
    try:
        if chain:
            result = await run_around(chain, fn, args, context, call_fn, _as_input)
        else:
            result = await call_fn(fn, (args, context))
    except BaseException:
        await response.settle(ok=False)
        raise
    if await response.settle(ok=True):
        return None  # the answer was the stream
    return response.answer() if result is None else result


def _request(raw: Any) -> dict[str, Any]:
    """The request map: `input.request` as the orchestrator sends it for a handler, or the
    input itself (the plain request) as it may send it for a condition."""
    if isinstance(raw, dict):
        inner = raw.get("request")
        return dict(inner) if isinstance(inner, dict) else dict(raw)
    return {}


def _handler_input(kind: Any, raw: Any) -> Any:
    if kind == "cron":
        return None
    if not isinstance(raw, dict):
        return raw
    if kind == "state":
        return StateTriggerInput(raw)
    if kind == "stream":
        event = raw.get("event")
        return StreamTriggerInput(
            {**raw, "event": StreamEvent(event) if isinstance(event, dict) else event}
        )
    return Input(raw)


def _as_input(value: Any) -> Any:
    return Input(value) if type(value) is dict else value

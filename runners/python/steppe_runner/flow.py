"""The context of a Motia 1.0 invocation (motia-py/packages/motia/src/motia/types.py,
FlowContext): 0.17's context plus `trigger`, `input_value`, `is_queue()`... , `get_data()`,
`match({...})` and `enqueue(...)`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .context import Context, Invocation
from .motia.types import ApiRequest, MotiaHttpArgs, TriggerInfo

# match's keys for each trigger type, and whether the matched handler takes the input
# (motia-py FlowContext.match: cron handlers take nothing; "api" is http's old name).
_MATCH = {
    "queue": (("queue",), True),
    "http": (("http", "api"), True),
    "cron": (("cron",), False),
    "state": (("state",), True),
    "stream": (("stream",), True),
}


class FlowContext(Context):
    """`ctx.trigger.type`, `ctx.is_http()`, `await ctx.match({"http": ..., "queue": ...})`."""

    __slots__ = ("input_value", "trigger")

    V1_SHAPES = True

    def __init__(
        self,
        invocation: Invocation,
        trace: Mapping[str, Any],
        trigger: Mapping[str, Any],
        input_value: Any,
    ) -> None:
        super().__init__(
            invocation, trace.get("traceId"), trace.get("flows") or [], trace.get("traceparent")
        )
        self.trigger = TriggerInfo(trigger)
        self.input_value = input_value

    # FlowContext is generic in motia-py: `FlowContext[Any]` in annotations.
    def __class_getitem__(cls, item: Any) -> type[FlowContext]:
        return cls

    def _is(self, kind: str) -> bool:
        return bool(self.trigger.get("type") == kind)

    # motia-py spells them without an argument; Motia's JS `ctx.is.queue(input)` takes the
    # input, so an argument is accepted and ignored.
    def is_queue(self, _input: Any = None) -> bool:
        return self._is("queue")

    def is_api(self, _input: Any = None) -> bool:
        return self._is("http")

    is_http = is_api

    def is_cron(self, _input: Any = None) -> bool:
        return self._is("cron")

    def is_state(self, _input: Any = None) -> bool:
        return self._is("state")

    def is_stream(self, _input: Any = None) -> bool:
        return self._is("stream")

    def get_data(self) -> Any:
        """The payload whatever the trigger: an http request's body, else the input."""
        if self.is_cron():
            return None
        if isinstance(self.input_value, MotiaHttpArgs):
            return self.input_value["request"].get("body")
        if isinstance(self.input_value, ApiRequest):
            return self.input_value.get("body")
        return self.input_value

    getData = get_data

    async def match(self, handlers: Mapping[str, Callable[..., Any]]) -> Any:
        """Run the handler for this trigger's type (else `default`); a RuntimeError naming
        the type and the handlers given when none fits."""
        kind = self.trigger.get("type")
        keys, takes_input = _MATCH.get(str(kind), ((), True))
        chosen = next((handlers[k] for k in keys if handlers.get(k)), None)
        if chosen is not None:
            return await _settle(chosen(self.input_value) if takes_input else chosen())
        if handlers.get("default"):
            return await _settle(handlers["default"](self.input_value))
        available = ", ".join(k for k in handlers if k != "default")
        raise RuntimeError(
            f"No handler matched for trigger type: {kind}. Available handlers: {available}"
        )

    def enqueue(self, event: Mapping[str, Any] | None = None, /, **fields: Any) -> Any:
        """Motia 1.0's name of `emit`."""
        return self.emit(event, **fields)

    def __getitem__(self, key: str) -> Any:
        if key in ("trigger", "enqueue", "input_value"):
            return getattr(self, key)
        return super().__getitem__(key)

    def __repr__(self) -> str:
        return f"<FlowContext trigger={dict(self.trigger)!r} traceId={self.traceId!r}>"


async def _settle(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value

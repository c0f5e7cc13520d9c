"""The module-level values of Motia 1.0 (motia-py logger.py, enqueue.py, state.py,
streams.py), bound to the invocation that calls them through `current_context`.

As with the context's own calls, on the event loop (`async def` handlers) a call returns
an awaitable and the request is already sent; in a plain `def` handler it blocks and
returns the value.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from ..context import Context, Logger
from ..current import current_context
from ..values import to_loggable


def _context(what: str) -> Context:
    context = current_context.get()
    if context is None:
        raise RuntimeError(
            f"{what} was called outside a step handler: the motia module acts for the "
            "invocation that calls it (call it from a handler, a condition or a middleware)"
        )
    return context


def enqueue(event: Mapping[str, Any] | None = None, /, **fields: Any) -> Any:
    """`enqueue({"topic": ..., "data": ...})`: the current invocation's `ctx.emit`."""
    return _context("enqueue()").emit(event, **fields)


class _Logger(Logger):
    """`logger.info(msg, fields)`: the current invocation's logger; outside a handler (at
    import time) a line on stderr, which the runner reports as the file's output."""

    __slots__ = ()

    def __init__(self) -> None:
        pass  # no invocation of its own: each call finds the current one

    def _log(self, level: str, msg: Any, fields: Mapping[str, Any] | None, kw: Any) -> None:
        context = current_context.get()
        if context is not None:
            context.logger._log(level, msg, fields, kw)
            return
        merged = {**fields, **kw} if fields else kw
        extra = f" {to_loggable(merged)}" if merged else ""
        print(f"[{level}] {msg}{extra}", file=sys.stderr)


logger = _Logger()


class StateManager:
    """`stateManager.get/set/update/delete/list/list_groups/clear`: the current
    invocation's state, in Motia 1.0's shapes (`set` and `update` return
    {"new_value", "old_value"}, `delete` the old value)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_context(f"stateManager.{name}()").module_state, name)


stateManager = StateManager()
state_manager = stateManager


class Stream:
    """`Stream("name")` or `Stream(StreamConfig(name=...))`: get/set/delete/get_group/list/
    update/list_groups/send on that stream for the current invocation, in Motia 1.0's
    shapes (`set` and `update` return {"new_value", "old_value"}, `delete` None)."""

    def __init__(self, config: Mapping[str, Any] | str) -> None:
        self.config: Mapping[str, Any] = {"name": config} if isinstance(config, str) else config
        self.stream_name: str = str(self.config["name"])

    def __class_getitem__(cls, item: Any) -> type[Stream]:
        return cls  # `Stream[dict[str, Any]]` in annotations, as motia-py's is generic

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("config", "stream_name"):
            raise AttributeError(name)
        context = _context(f"Stream({self.stream_name!r}).{name}()")
        return getattr(context.module_streams[self.stream_name], name)

    def __repr__(self) -> str:
        return f"<Stream {self.stream_name!r}>"


def StreamConfig(  # motia-py names a class so; here it builds the config dict
    name: str,
    description: str | None = None,
    schema: Any = None,
    base_config: Mapping[str, Any] | None = None,
    on_join: Any = None,
    on_leave: Any = None,
) -> dict[str, Any]:
    fields = {
        "name": name,
        "description": description,
        "schema": schema,
        "baseConfig": base_config,
        "onJoin": on_join,
        "onLeave": on_leave,
    }
    return {key: value for key, value in fields.items() if value is not None}

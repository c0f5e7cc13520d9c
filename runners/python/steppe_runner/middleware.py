"""API middleware as Motia 0.17 composes it (packages/core/src/python/motia_middleware.py
and python-runner.py at v0.17.14-beta.196).

`config["middleware"]` is an ordered list of `async def mw(req, ctx, next)`; the first
is outermost and `await next()` runs the next one, the last `next()` the handler. A
middleware may answer without calling `next`, change `req` first, or change what
`next()` returned. `next(req)` hands a new request inward (Motia's signature; there the
handler still got the old one, here it gets the new one too).

A plain `def` middleware runs in a worker thread like a plain `def` handler; its
`next()` then blocks and returns the response.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from .errors import ConfigError

F = TypeVar("F")  # a function as the runner holds it (loader.StepFunction)

ANONYMOUS = "<anonymous>"


def middleware_names(config: dict[str, Any], where: str | None = None) -> list[str] | None:
    """The names of `config["middleware"]` for the plain config (None when there is none);
    a ConfigError naming the step (or `where`), the field and the index when an entry is
    not callable."""
    entries = config.get("middleware")
    if entries is None:
        return None
    step = where or f"step '{config.get('name', '?')}'"
    if not isinstance(entries, list | tuple):
        kind = type(entries).__name__
        raise ConfigError(f"{step}: middleware must be a list of functions, not a {kind}")
    names = []
    for index, entry in enumerate(entries):
        if not callable(entry):
            raise ConfigError(
                f"{step}: middleware[{index}] is not a function (a {type(entry).__name__}); "
                "each entry is an async def (req, ctx, next)"
            )
        names.append(_name(entry))
    return names


def _name(function: Callable[..., Any]) -> str:
    name = getattr(function, "__name__", None) or type(function).__name__
    return ANONYMOUS if name == "<lambda>" else str(name)


async def run_around(
    middleware: Sequence[F],
    handler: F,
    req: Any,
    ctx: Any,
    call: Callable[[F, tuple[Any, ...]], Awaitable[Any]],
    wrap: Callable[[Any], Any],
) -> Any:
    """`handler(req, ctx)` with `middleware` run around it. `call(fn, args)` runs one
    function (awaited on the loop, or in a worker thread); `wrap` makes a request that a
    middleware hands to `next` look like the runner's own input."""
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()

    async def layer(index: int, request: Any) -> Any:
        if index == len(middleware):
            return await call(handler, (request, ctx))

        def next_(replacement: Any = None) -> Any:
            inner = layer(index + 1, request if replacement is None else wrap(replacement))
            if threading.get_ident() == loop_thread:
                return inner  # an `async def` middleware awaits it
            # A plain `def` middleware's thread waits for the rest of the chain on the loop.
            return asyncio.run_coroutine_threadsafe(inner, loop).result()

        return await call(middleware[index], (request, ctx, next_))

    return await layer(0, req)

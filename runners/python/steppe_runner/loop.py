"""The event loop the runner (and its echo floor) run on.

uvloop when it is installed (Steppe installs it, as uvicorn does for its servers):
its pipe reads, writes and callbacks cost a fraction of the pure-Python loop's, and a
trivial invocation is mostly that. `STEPPE_PYTHON_LOOP=asyncio` keeps the standard
loop, for a step that needs it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop maker, or None for asyncio's own loop."""
    if os.environ.get("STEPPE_PYTHON_LOOP", "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, None]) -> None:
    """`asyncio.run(main)` on the loop `loop_factory` chooses."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main)

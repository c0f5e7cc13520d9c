"""Telling a wedged runner from a busy one: a ping that only its event loop answers.

Every runner answers `ping` on the thread that reads the protocol (Node's event loop,
Python's asyncio loop, Ruby's reading thread), never on a handler's thread: a handler
busy in a worker thread (a plain `def` in Python, any Ruby handler) leaves pings
answered, while `while (true) {}` in a Node handler, or an `async def` that never
awaits, stops them. Motia needs none of this: each invocation is a process of its own
there, ended by the step's timeout (packages/core/src/call-step-file.ts); here one
runner serves every step of a language, so one blocked loop would stall them all.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from orchestrator.core.errors import CallTimeout
from orchestrator.rpc.session import RpcSession

# Seconds between pings, whether the runner is idle or busy (one tiny frame each way).
HEARTBEAT_INTERVAL = 2.0
# A ping left unanswered this many intervals means the runner is wedged. 10s: long
# enough for a burst of thousands of calls queued ahead of the ping, short enough to
# replace a wedged runner within 15s.
HEARTBEAT_MISSES = 5


async def until_wedged(session: RpcSession, excused: Callable[[], bool] = lambda: False) -> float:
    """Ping the runner every HEARTBEAT_INTERVAL seconds; return how long it has been
    silent once a ping went unanswered for HEARTBEAT_MISSES intervals.

    A ping sent or missed while `excused()` is true does not count (a file being
    loaded blocks Node's loop for as long as its import runs; loads have their own
    timeout). Raises RunnerCrashed when the session closes.
    """
    while True:
        await trio.sleep(HEARTBEAT_INTERVAL)
        sent, excused_at_send = trio.current_time(), excused()
        try:
            await session.call("ping", None, HEARTBEAT_INTERVAL * HEARTBEAT_MISSES)
        except CallTimeout:
            if not (excused_at_send or excused()):
                return trio.current_time() - sent

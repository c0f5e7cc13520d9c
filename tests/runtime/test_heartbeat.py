"""The heartbeat on its own, on trio's MockClock: a runner that answers pings late but
answers is busy, one that answers none for HEARTBEAT_MISSES intervals is wedged.

Motia has no heartbeat: each invocation is a process of its own, ended by the step's
timeout (packages/core/src/call-step-file.ts). Steppe's runners are shared, so a
blocked event loop has to be found and its runner replaced (issue 15, item 3).
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from orchestrator.core.errors import CallbackError, RunnerCrashed
from orchestrator.rpc import wire
from orchestrator.rpc.session import RpcSession
from orchestrator.runtime import heartbeat
from orchestrator.runtime.heartbeat import HEARTBEAT_INTERVAL, HEARTBEAT_MISSES, until_wedged

# The brief's target for replacing a wedged runner, and what a restart may take of it
# (start a process, send `ready`, load the project's files again).
REPLACED_WITHIN = 15.0
RESTART_BUDGET = 3.0


class Runner:
    """The far side of the pipe: answers each ping after `delay` seconds until `wedge_at`
    (trio clock), and nothing after it, like a runner whose event loop got stuck."""

    def __init__(self, stream: trio.abc.Stream, delay: float = 0.0) -> None:
        self.stream = stream
        self.delay = delay
        self.wedge_at = float("inf")
        self.pings = 0

    async def serve(self) -> None:
        decoder = wire.Decoder()
        async with trio.open_nursery() as nursery:
            while data := await self.stream.receive_some(65536):
                for message in decoder.feed(data):
                    assert isinstance(message, wire.Request) and message.method == "ping"
                    self.pings += 1
                    nursery.start_soon(self._answer, message.id)

    async def _answer(self, request_id: int) -> None:
        await trio.sleep(self.delay)
        if trio.current_time() < self.wedge_at:
            await self.stream.send_all(wire.encode_response(request_id, None))


async def _no_requests(method: str, params: Any) -> Any:
    raise CallbackError("Nope", f"unexpected {method}")


def _session(stream: trio.abc.Stream) -> RpcSession:
    return RpcSession(stream, stream, on_request=_no_requests, on_note=lambda m, p: None, name="t")


async def test_a_wedged_runner_is_found_in_time_to_be_replaced_within_15s(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session, runner = _session(ours), Runner(theirs)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.serve)
        nursery.start_soon(runner.serve)
        # Wedged just after answering a ping: the worst case, a whole interval before
        # the next ping goes out.
        runner.wedge_at = 100 * HEARTBEAT_INTERVAL + 0.001
        silent = await until_wedged(session)
        found_after = trio.current_time() - runner.wedge_at
        nursery.cancel_scope.cancel()
    assert silent == pytest.approx(HEARTBEAT_INTERVAL * HEARTBEAT_MISSES)
    assert found_after <= HEARTBEAT_INTERVAL * (HEARTBEAT_MISSES + 1)
    assert found_after + RESTART_BUDGET <= REPLACED_WITHIN
    assert runner.pings >= 100


async def test_a_busy_runner_that_answers_late_is_not_wedged(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    # Every ping answered just inside the window: a loop with a long queue ahead of it.
    session = _session(ours)
    runner = Runner(theirs, delay=HEARTBEAT_INTERVAL * HEARTBEAT_MISSES - 0.01)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.serve)
        nursery.start_soon(runner.serve)
        with trio.move_on_after(3600) as watching:
            await until_wedged(session)
        nursery.cancel_scope.cancel()
    assert watching.cancelled_caught, "a slow but live runner was taken for wedged"


async def test_silence_while_excused_does_not_count(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session, runner = _session(ours), Runner(theirs)
    runner.wedge_at = 0.0
    loading_until = 60.0  # a file whose import blocks Node's loop for a minute
    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.serve)
        nursery.start_soon(runner.serve)
        await until_wedged(session, excused=lambda: trio.current_time() < loading_until)
        found_at = trio.current_time()
        nursery.cancel_scope.cancel()
    assert loading_until < found_at <= loading_until + HEARTBEAT_INTERVAL * (HEARTBEAT_MISSES + 1)


async def test_the_heartbeat_ends_with_the_session(
    autojump_clock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(heartbeat, "HEARTBEAT_INTERVAL", 0.5)
    ours, theirs = trio.testing.memory_stream_pair()
    session = _session(ours)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(session.serve)
        nursery.start_soon(Runner(theirs).serve)
        await trio.sleep(10)
        session.close("the runner exited")
        with pytest.raises(RunnerCrashed, match="the runner exited"):
            await until_wedged(session)
        nursery.cancel_scope.cancel()

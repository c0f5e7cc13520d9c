"""The event bus in process: a stub invoker, the memory delivery store and trio's
virtual clock, so retries, backoff and windows are timed exactly and no runner runs."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from orchestrator.core.errors import CallbackError
from orchestrator.core.logs import LogSink
from orchestrator.model.step import Step
from orchestrator.runtime.host import Invocation
from orchestrator.services.bus import (
    DEFAULT_IDEMPOTENCY_WINDOW,
    DEFAULT_MAX_DEPTH,
    EventBus,
)
from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.project import Project
from orchestrator.stores.queue.memory import MemoryDeliveryStore
from tests.helpers import virtual_wall_clock
from tests.stub_invoker import StubInvoker, fails, hangs, returns

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, the wall clock when each test begins
# Every wait is bounded in virtual time: a bus that never settles fails, never hangs.
LIMIT = 3600


def event_step(name: str, topic: str = "job", queue: dict[str, Any] | None = None) -> Step:
    config: dict[str, Any] = {"type": "event", "name": name, "subscribes": [topic], "emits": []}
    if queue is not None:
        config["infrastructure"] = {"queue": queue}
    return Step(name, "event", Path(f"steps/{name}.step.py"), "python", config)


@asynccontextmanager
async def running_bus(stub: StubInvoker, *steps: Step, **options: Any) -> AsyncIterator[EventBus]:
    """A bus serving `steps` with `stub`, the memory store and the virtual wall clock."""
    logs = LogSink(None, None)
    bus = EventBus(
        {s.name: s for s in steps},
        stub,
        logs,
        MemoryDeliveryStore(),
        clock=virtual_wall_clock(START),
        **options,
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(bus.serve)
        yield bus
        bus.stop()


async def settle(bus: EventBus) -> None:
    with trio.fail_after(LIMIT):
        await bus.wait_idle()


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_a_failed_delivery_is_retried_after_a_doubling_jittered_backoff(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Worker", fails(), fails(), fails(), returns("done"))
    async with running_bus(stub, worker := event_step("Worker")) as bus:
        await bus.publish(EmitRequest("job", {"n": 1}), [worker], "trace-1", None)
        await settle(bus)
        assert await bus.store.dead_letters() == []
        assert await bus.store.pending() == []
        assert bus.delivered == 1
    calls = stub.calls_of("Worker")
    assert [c.attempt for c in calls] == [1, 2, 3, 4]  # the default: 3 retries
    assert all(c.input == {"n": 1} and c.trace_id == "trace-1" for c in calls)
    # 200 ms, then doubling, each within ±20% jitter; virtual time makes this exact.
    for gap, base in zip(gaps([c.at for c in calls]), (0.2, 0.4, 0.8), strict=True):
        assert base * 0.8 <= gap <= base * 1.2


async def test_retries_of_simultaneous_failures_are_jittered_apart(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    # One event to 20 subscribing steps, each failing its first attempt at the same time.
    steps = [event_step(f"Worker{n}") for n in range(20)]
    for step in steps:
        stub.on(step.name, fails(), returns())
    async with running_bus(stub, *steps) as bus:
        await bus.publish(EmitRequest("job", None), steps, "trace-1", None)
        await settle(bus)
    retry_gaps = [gaps([c.at for c in stub.calls_of(s.name)])[0] for s in steps]
    assert all(0.16 <= gap <= 0.24 for gap in retry_gaps)
    assert len(set(retry_gaps)) > 1  # not in lockstep


async def test_after_its_last_retry_a_delivery_is_dead_lettered_with_every_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Worker", fails("not fixed yet", name="RuntimeError"))
    async with running_bus(stub, worker := event_step("Worker")) as bus:
        accepted = await bus.publish(EmitRequest("job", {"n": 1}), [worker], "trace-1", "Api")
        await settle(bus)
        [dead] = await bus.store.dead_letters()
        assert await bus.store.pending() == []
        assert bus.delivered == 0
    calls = stub.calls_of("Worker")
    assert len(calls) == 4
    assert dead.step == "Worker" and dead.attempts == 4
    assert dead.event == accepted.event
    assert dead.event.source == "Api" and dead.event.trace_id == "trace-1"
    assert dead.errors == [
        {
            "name": "RuntimeError",
            "message": "not fixed yet",
            "stack": "RuntimeError: not fixed yet",
            "attempt": n,
            "time": START + call.at,
        }
        for n, call in enumerate(calls, start=1)
    ]


async def test_a_steps_queue_config_sets_its_retries_and_backoff(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Worker", fails())
    worker = event_step("Worker", queue={"maxRetries": 1, "backoffMs": 1000})
    async with running_bus(stub, worker) as bus:
        await bus.publish(EmitRequest("job", None), [worker], "trace-1", None)
        await settle(bus)
        [dead] = await bus.store.dead_letters()
    calls = stub.calls_of("Worker")
    assert dead.attempts == 2 and len(calls) == 2
    [gap] = gaps([c.at for c in calls])
    assert 0.8 <= gap <= 1.2


async def test_a_steps_concurrency_limits_its_deliveries_in_progress(
    autojump_clock: trio.testing.MockClock,
) -> None:
    release = trio.Event()
    stub = StubInvoker()
    stub.on("Worker", hangs(release))
    worker = event_step("Worker", queue={"concurrency": 2})
    async with running_bus(stub, worker) as bus:
        for n in range(5):
            await bus.publish(EmitRequest("job", n), [worker], "trace-1", None)
        await trio.sleep(10)
        assert sorted(c.input for c in stub.calls) == [0, 1]  # the oldest two
        release.set()
        await settle(bus)
        assert bus.delivered == 5
    # Started together, deliveries run in whatever order trio schedules them.
    assert sorted(c.input for c in stub.calls) == [0, 1, 2, 3, 4]


async def test_a_repeated_idempotency_key_is_delivered_again_only_after_the_window(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    worker = event_step("Worker")

    async def publish(topic: str = "job", key: str = "order-1") -> bool:
        request = EmitRequest(topic, {"key": key}, idempotency_key=key)
        accepted = await bus.publish(request, [worker], "trace-1", None)
        await settle(bus)
        return not accepted.duplicate

    async with running_bus(stub, worker) as bus:
        assert await publish()
        assert not await publish()  # the same key on the same topic: accepted, not delivered
        assert await publish(key="order-2")
        assert await publish(topic="other")  # a key is per topic
        await trio.sleep(DEFAULT_IDEMPOTENCY_WINDOW - 1)
        assert not await publish()
        await trio.sleep(1)
        assert await publish()  # the window has passed
    assert len(stub.calls) == 4


async def test_an_idempotency_window_can_be_set(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    worker = event_step("Worker")
    request = EmitRequest("job", None, idempotency_key="k")
    async with running_bus(stub, worker, idempotency_window=5.0) as bus:
        assert not (await bus.publish(request, [worker], "t", None)).duplicate
        await trio.sleep(4.9)
        assert (await bus.publish(request, [worker], "t", None)).duplicate
        await trio.sleep(0.1)
        assert not (await bus.publish(request, [worker], "t", None)).duplicate
        await settle(bus)
    assert len(stub.calls) == 2


def invocation(depth: int) -> Invocation:
    return Invocation(1, "Looper", "python", "trace-1", depth=depth)


@pytest.mark.parametrize("max_depth", [DEFAULT_MAX_DEPTH, 3])
async def test_an_emit_deeper_than_the_limit_is_refused(
    autojump_clock: trio.testing.MockClock, max_depth: int
) -> None:
    stub = StubInvoker()
    worker = event_step("Worker")
    options = {} if max_depth == DEFAULT_MAX_DEPTH else {"max_depth": max_depth}
    async with running_bus(stub, worker, **options) as bus:
        await bus.emit(invocation(max_depth - 1), EmitRequest("job", "last"), [worker])
        with pytest.raises(CallbackError) as refused:
            await bus.emit(invocation(max_depth), EmitRequest("job", "too deep"), [worker])
        await settle(bus)
        assert await bus.store.pending() == []
    assert refused.value.name == "EmitDepthExceeded"
    assert f"the limit is {max_depth}" in str(refused.value)
    # The accepted emit is delivered one level deeper than the handler that emitted it.
    [call] = stub.calls
    assert call.input == "last" and call.depth == max_depth and call.trace_id == "trace-1"


async def test_use_project_starts_delivering_to_a_new_step(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    first, added = event_step("First"), event_step("Added")
    async with running_bus(stub, first) as bus:
        bus.use_project(Project(Path("."), steps={"First": first, "Added": added}))
        await bus.publish(EmitRequest("job", 1), [first, added], "trace-1", None)
        await settle(bus)
        assert bus.delivered == 2
    assert sorted(c.step.name for c in stub.calls) == ["Added", "First"]


async def test_use_project_dead_letters_a_removed_steps_waiting_delivery(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Gone", fails())
    gone, kept = event_step("Gone"), event_step("Kept")
    async with running_bus(stub, gone, kept) as bus:
        await bus.publish(EmitRequest("job", 1), [gone], "trace-1", None)
        await trio.sleep(0.01)  # the first attempt failed; the retry waits its backoff
        bus.use_project(Project(Path("."), steps={"Kept": kept}))
        await settle(bus)
        [dead] = await bus.store.dead_letters()
    assert len(stub.calls_of("Gone")) == 1  # not run again once removed
    assert dead.attempts == 2
    assert [e["name"] for e in dead.errors] == ["Error", "StepRemoved"]


async def test_use_project_applies_an_edited_steps_retry_policy_from_its_next_delivery(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Worker", fails())
    worker = event_step("Worker")
    edited = event_step("Worker", queue={"maxRetries": 1})
    async with running_bus(stub, worker) as bus:
        await bus.publish(EmitRequest("job", 1), [worker], "trace-1", None)
        await trio.sleep(0.01)
        bus.use_project(Project(Path("."), steps={"Worker": edited}))
        await settle(bus)
        [dead] = await bus.store.dead_letters()
    assert dead.attempts == 2  # the edited maxRetries (1), not the default 3
    assert [c.step for c in stub.calls] == [worker, edited]

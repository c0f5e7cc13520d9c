"""Queue options in the event bus (docs/reference.md §12), on a stub invoker, the
memory store and trio's virtual clock, so that every delay, backoff, rate window and
quiet period is timed exactly.

Motia 0.17 declares the options in `infrastructure.queue` (packages/core/src/types.ts,
`QueueConfig`, and packages/core/src/infrastructure-validator/schemas.ts at
v0.17.14-beta.196) and its in-memory queue (packages/core/src/queue-manager.ts) makes
a message visible after `delaySeconds` and locks a FIFO group while a message of it
runs; Motia 1.0 adds `backoffType`/`backoffDelayMs` and `concurrency` to the same
config (frameworks/motia/motia-js/packages/motia/src/types.ts at HEAD).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import trio
import trio.testing

from orchestrator.core.errors import InvocationTimeout
from orchestrator.services.emit_request import EmitRequest
from tests.services.test_bus_inprocess import START, event_step, gaps, running_bus, settle
from tests.stub_invoker import StubInvoker, fails, hangs, raises, returns

# Times on the epoch clock are floats near 1.8e9: exact to within a microsecond.
EXACT = 1e-5


@pytest.mark.parametrize(
    ("backoff", "bounds"),
    [
        # fixed: the same wait, exactly; exponential: doubling, each ±20% (jitter).
        ({"type": "fixed", "delayMs": 1500}, [(1.5, 1.5), (1.5, 1.5)]),
        ({"type": "exponential", "delayMs": 1000}, [(0.8, 1.2), (1.6, 2.4)]),
        ({}, [(0.16, 0.24), (0.32, 0.48)]),  # the default: exponential from 200 ms
    ],
)
async def test_a_backoff_waits_before_each_retry_as_its_type_says(
    autojump_clock: trio.testing.MockClock,
    backoff: dict[str, Any],
    bounds: list[tuple[float, float]],
) -> None:
    stub = StubInvoker()
    stub.on("Worker", fails(), fails(), returns())
    worker = event_step("Worker", queue={"backoff": backoff})
    async with running_bus(stub, worker) as bus:
        await bus.publish(EmitRequest("job", 1), [worker], "t", None)
        await settle(bus)
    waits = gaps([c.at for c in stub.calls])
    assert len(waits) == len(bounds)
    for wait, (low, high) in zip(waits, bounds, strict=True):
        assert low - EXACT <= wait <= high + EXACT


async def test_a_delay_from_the_step_or_the_emit_holds_a_delivery_exactly_that_long(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    worker = event_step("Worker", queue={"delaySeconds": 30})
    async with running_bus(stub, worker) as bus:
        began = trio.current_time()
        await bus.publish(EmitRequest("job", "default"), [worker], "t", None)
        await bus.publish(EmitRequest("job", "sooner", delay_seconds=5), [worker], "t", None)
        await bus.publish(EmitRequest("job", "now", delay_seconds=0), [worker], "t", None)
        await trio.sleep(1)
        [view] = await bus.queues()
        assert (view["inFlight"], view["waiting"], view["delayed"]) == (0, 0, 2)
        assert view["nextDelayedAt"] == START + 5
        await settle(bus)
    assert [c.input for c in stub.calls] == ["now", "sooner", "default"]
    assert [c.at - began for c in stub.calls] == pytest.approx([0, 5, 30], abs=EXACT)


async def test_a_fifo_group_waits_for_its_failing_head_while_other_groups_go_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    order: list[tuple[str, int, float]] = []

    async def handler(data: Any) -> None:
        order.append((data["g"], data["n"], trio.current_time()))
        await trio.sleep(0.1)
        if data["n"] == 1 and len([o for o in order if o[1] == 1]) <= 2:
            raise InvocationTimeout("the second event of group a fails twice")

    stub.handle("Worker", handler)
    queue = {"type": "fifo", "backoff": {"type": "fixed", "delayMs": 1000}}
    worker = event_step("Worker", queue=queue)
    async with running_bus(stub, worker) as bus:
        for n, group in enumerate("aabbab"):
            request = EmitRequest("job", {"g": group, "n": n}, message_group_id=group)
            await bus.publish(request, [worker], "t", None)
        await settle(bus)
        assert await bus.store.dead_letters() == []
    assert [n for g, n, _ in order if g == "a"] == [0, 1, 1, 1, 4]  # 4 only after 1 succeeded
    assert [n for g, n, _ in order if g == "b"] == [2, 3, 5]
    # One at a time within a group; group b ran alongside, not after group a's retries.
    for group in "ab":
        starts = [at for g, _, at in order if g == group]
        assert all(gap >= 0.1 for gap in gaps(starts))
    assert [at for g, _, at in order if g == "b"] == pytest.approx([0, 0.1, 0.2], abs=EXACT)


async def test_a_fifo_dead_letter_lets_its_group_move_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()

    async def handler(data: Any) -> None:
        if data == 0:
            raise InvocationTimeout("never works")

    stub.handle("Worker", handler)
    worker = event_step("Worker", queue={"type": "fifo", "maxRetries": 1})
    async with running_bus(stub, worker) as bus:
        for n in range(3):
            await bus.publish(EmitRequest("job", n), [worker], "t", None)  # one default group
        await settle(bus)
        [dead] = await bus.store.dead_letters()
    assert dead.event.data == 0 and dead.attempts == 2
    assert [c.input for c in stub.calls] == [0, 0, 1, 2]


def counting_runs(stub: StubInvoker, key: Callable[[Any], str]) -> dict[str, int]:
    """Have Worker take a second per event; the most of its runs at once, per key."""
    running: dict[str, int] = {}
    most: dict[str, int] = {}

    async def handler(data: Any) -> None:
        running[key(data)] = running.get(key(data), 0) + 1
        most[key(data)] = max(most.get(key(data), 0), running[key(data)])
        await trio.sleep(1)
        running[key(data)] -= 1

    stub.handle("Worker", handler)
    return most


async def test_a_message_group_field_of_the_data_names_the_group(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    most = counting_runs(stub, lambda data: data["order"]["user"])
    worker = event_step("Worker", queue={"type": "fifo", "messageGroupField": "order.user"})
    async with running_bus(stub, worker) as bus:
        began = trio.current_time()
        for n in range(6):
            data = {"order": {"user": "ann" if n % 2 else "bob", "n": n}}
            await bus.publish(EmitRequest("job", data), [worker], "t", None)
        await settle(bus)
    assert most == {"ann": 1, "bob": 1}
    assert trio.current_time() - began == pytest.approx(3, abs=EXACT)  # two groups at once
    assert [c.input["order"]["n"] for c in stub.calls if c.input["order"]["user"] == "ann"] == [
        1,
        3,
        5,
    ]


async def test_a_concurrency_key_bounds_the_runs_per_value(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    most = counting_runs(stub, lambda data: data["user"])
    worker = event_step("Worker", queue={"concurrency": 2, "concurrencyKey": "user"})
    async with running_bus(stub, worker) as bus:
        began = trio.current_time()
        for n in range(8):
            data = {"user": "ann" if n < 6 else "bob", "n": n}
            await bus.publish(EmitRequest("job", data), [worker], "t", None)
        await settle(bus)
    assert most == {"ann": 2, "bob": 2}
    assert trio.current_time() - began == pytest.approx(3, abs=EXACT)  # ann's six, two at once


async def test_a_rate_limit_starts_at_most_its_limit_per_period(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    worker = event_step("Worker", queue={"rateLimit": {"limit": 10, "periodSeconds": 1}})
    async with running_bus(stub, worker) as bus:
        began = trio.current_time()
        for n in range(25):
            await bus.publish(EmitRequest("job", n), [worker], "t", None)
        await settle(bus)
    starts = [c.at - began for c in stub.calls]
    # None dropped: they wait for the window.
    assert starts == pytest.approx([0.0] * 10 + [1.0] * 10 + [2.0] * 5, abs=EXACT)


async def test_a_debounced_burst_runs_once_with_the_last_event_after_the_quiet_period(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    worker = event_step("Worker", queue={"debounce": {"periodSeconds": 2, "key": "doc"}})
    async with running_bus(stub, worker) as bus:
        began = trio.current_time()
        for n in range(10):
            await bus.publish(EmitRequest("job", {"doc": "a", "n": n}), [worker], "t", None)
            await trio.sleep(0.5)
        await bus.publish(EmitRequest("job", {"doc": "b", "n": 99}), [worker], "t", None)
        await settle(bus)
        assert await bus.store.pending() == []
    # The last of the burst, 2 s after it; another key is a burst of its own.
    assert [c.input for c in stub.calls] == [{"doc": "a", "n": 9}, {"doc": "b", "n": 99}]
    assert [c.at - began for c in stub.calls] == pytest.approx([4.5 + 2, 5 + 2], abs=EXACT)


async def test_a_visibility_timeout_ends_an_attempt_that_holds_its_delivery_too_long(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Worker", hangs(), returns())
    queue = {"visibilityTimeout": 5, "backoff": {"type": "fixed", "delayMs": 0}}
    worker = event_step("Worker", queue=queue)
    async with running_bus(stub, worker) as bus:
        began = trio.current_time()
        await bus.publish(EmitRequest("job", 1), [worker], "t", None)
        await settle(bus)
        assert bus.delivered == 1
    assert [(c.attempt, c.timeout) for c in stub.calls] == [(1, 5), (2, 5)]
    assert [c.at - began for c in stub.calls] == pytest.approx([0, 5], abs=EXACT)


async def test_the_queue_view_counts_in_flight_waiting_and_delayed(
    autojump_clock: trio.testing.MockClock,
) -> None:
    release = trio.Event()
    stub = StubInvoker()
    stub.on("Worker", hangs(release))
    worker = event_step("Worker", queue={"type": "fifo", "concurrency": 1})
    other = event_step("Other", topic="other", queue={"maxRetries": 0})
    stub.on("Other", raises(InvocationTimeout("x")))
    async with running_bus(stub, worker, other) as bus:
        for n in range(3):
            await bus.publish(EmitRequest("job", n, message_group_id=str(n)), [worker], "t", None)
        await bus.publish(EmitRequest("job", 9, delay_seconds=60), [worker], "t", None)
        await trio.sleep(1)
        views = {v["step"]: v for v in await bus.queues()}
        assert {k: views["Worker"][k] for k in ("inFlight", "waiting", "delayed")} == {
            "inFlight": 1,
            "waiting": 2,
            "delayed": 1,
        }
        options = views["Worker"]["options"]
        assert (options["type"], options["concurrency"], options["maxRetries"]) == ("fifo", 1, 3)
        assert views["Other"]["options"]["type"] == "standard"
        release.set()
        await settle(bus)

"""A trace's delivery budget (`max_trace_deliveries`, issue 15 item 5): an emit loop that
fans out (each delivery emits its own topic twice) stops at the budget, with the rest
dead-lettered as `TraceDeliveryLimit`, instead of growing the queue without bound."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import trio
import trio.testing

from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.trace_budget import TraceBudget
from tests.helpers import serving, wait_for
from tests.services.test_bus_inprocess import event_step, running_bus, settle
from tests.stub_invoker import StubInvoker, returns


def test_the_budget_counts_per_trace_and_refuses_past_the_limit() -> None:
    budget = TraceBudget(limit=5)
    assert budget.spend("a", 3)
    assert budget.spend("b", 5)  # another trace has its own budget
    assert budget.spend("a", 2)
    assert not budget.spend("a", 1)
    assert not budget.spend("b", 1)


async def test_deliveries_past_the_budget_are_dead_lettered_not_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Worker", returns(None))
    async with running_bus(stub, worker := event_step("Worker"), max_trace_deliveries=2) as bus:
        for n in range(3):
            await bus.publish(EmitRequest("job", {"n": n}), [worker], "trace-1", None)
        await bus.publish(EmitRequest("job", {"n": 9}), [worker], "trace-2", None)
        await settle(bus)
        assert bus.delivered == 3  # two of trace-1, one of trace-2
        (dead,) = await bus.store.dead_letters()
        assert dead.event.data == {"n": 2} and dead.event.trace_id == "trace-1"
        assert dead.errors[-1]["name"] == "TraceDeliveryLimit"
        assert "max_trace_deliveries (2)" in dead.errors[-1]["message"]


FAN_OUT = """
config = {"type": "event", "name": "Doubler", "subscribes": ["grow"], "emits": ["grow"]}

async def handler(data, context):
    await context.state.set("grow", context.trace_id + str(data["n"]) + str(data["side"]), 1)
    for side in (0, 1):
        await context.emit({"topic": "grow", "data": {"n": data["n"] + 1, "side": side}})
"""
START = """
config = {"type": "api", "name": "Start", "method": "POST", "path": "/grow", "emits": ["grow"]}

async def handler(req, context):
    await context.emit({"topic": "grow", "data": {"n": 0, "side": 0}})
    return {"status": 202, "body": {"traceId": context.trace_id}}
"""


async def test_a_fan_out_loop_stops_at_the_budget(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/doubler_step.py": FAN_OUT, "steps/start_step.py": START})
    async with serving(root, max_trace_deliveries=40) as (services, client):
        response = await client.post("/grow")
        assert response.status_code == 202
        with trio.fail_after(60):
            await services.bus.wait_idle()
        assert services.bus.delivered == 40
        dead = await wait_for(services.bus.store.dead_letters)
        assert {d.errors[-1]["name"] for d in dead} == {"TraceDeliveryLimit"}
        assert await services.bus.store.pending() == []

"""The `fifo` section: events per second through a FIFO step whose events spread over
100 message groups, against the same step on a standard queue, in one run and per
store. Both run at the default concurrency (100), so what differs is the ordering
work: a group's next event is offered only once the one before it is done."""

from __future__ import annotations

import time
from pathlib import Path

import trio

from bench.chain import serving
from orchestrator.model.step import Step
from orchestrator.services.context import EmitRequest
from orchestrator.wiring.server import Services

FIFO_PROJECT = Path(__file__).parent / "fifo_project"
GROUPS = 100
PRODUCERS = 32
# Step and topic per queue kind.
KINDS = {"fifo": ("Ordered", "bench.fifo"), "standard": ("Unordered", "bench.unordered")}


async def fifo_figures(store: str, events: int) -> dict[str, float]:
    """Events per second of each queue kind, measured one after the other on one server,
    and their ratio."""
    out: dict[str, float] = {}
    async with serving(store, FIFO_PROJECT) as s:
        for kind, (step_name, topic) in KINDS.items():
            step = s.runtime.project.steps[step_name]
            out[f"{kind}_events_per_s"] = await _events_per_s(s, step, topic, events)
    out["ratio"] = out["fifo_events_per_s"] / out["standard_events_per_s"]
    return out


async def _events_per_s(s: Services, step: Step, topic: str, events: int) -> float:
    """Publish `events` events spread over the message groups from many producers at
    once, and time until every one is handled."""

    async def produce(first: int) -> None:
        for n in range(first, events, PRODUCERS):
            request = EmitRequest(topic, {"n": n}, message_group_id=str(n % GROUPS))
            await s.bus.publish(request, [step], f"{n:032x}", None)

    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for first in range(PRODUCERS):
            nursery.start_soon(produce, first)
    await s.bus.wait_idle()
    return events / (time.perf_counter() - began)

"""W3C trace context (docs/reference.md §8): an API request's `traceparent` continues
the caller's trace, the response carries this request's span back, and every
handler's context exposes its own span's `traceparent` through a TS → Python → Ruby
chain of events; an admin emit starts a new trace context.

Motia 0.17 has no `traceparent` (its context has `traceId` only:
packages/core/src/types.ts `FlowContext`); Motia 1.0 continues W3C context through
OpenTelemetry, which this mirrors with the same header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from orchestrator.core.tracing import TraceParent
from orchestrator.stores.queue.base import Delivery, Event
from orchestrator.stores.queue.sqlite import open_sqlite_queue
from tests.helpers import serving, wait_for

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
_HEADER = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")

STEPS = {
    "steps/start.step.ts": """
export const config = { type: 'api', name: 'Start', method: 'POST', path: '/start',
  emits: ['to.python'] }
export const handler = async (req, ctx) => {
  await ctx.emit({ topic: 'to.python', data: {} })
  return { status: 200, body: { traceparent: ctx.traceparent } }
}
""",
    "steps/middle.step.py": """
config = {"type": "event", "name": "Middle", "subscribes": ["to.python"], "emits": ["to.ruby"]}

async def handler(data, context):
    await context.state.set("seen", "python", [context.traceparent, context["traceparent"]])
    await context.emit({"topic": "to.ruby", "data": {}})
""",
    "steps/last.step.rb": """
def config
  { type: 'event', name: 'Last', subscribes: ['to.ruby'] }
end

def handler(data, context)
  context.state.set('seen', 'ruby', [context.traceparent, context[:traceparent]])
end
""",
}


async def test_traceparent_continues_through_a_ts_python_ruby_chain(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(STEPS)) as (services, client):
        response = await client.post("/start", json={}, headers={"traceparent": CALLER})
        assert response.status_code == 200
        state = services.env.state
        python = await wait_for(lambda: state.get("seen", "python"))
        ruby = await wait_for(lambda: state.get("seen", "ruby"))
        trace = services.env.tracer.get(CALLER_TRACE)
    assert response.headers["x-trace-id"] == CALLER_TRACE
    returned = response.headers["traceparent"]
    assert returned == response.json()["traceparent"]  # the API step's own span
    assert python[0] == python[1] and ruby[0] == ruby[1]
    spans = {span.step: span for span in trace.spans} if trace else {}
    headers = {"Start": returned, "Middle": python[0], "Last": ruby[0]}
    for step, header in headers.items():
        found = _HEADER.fullmatch(header)
        assert found is not None, header
        assert found[1] == CALLER_TRACE
        assert found[2] == spans[step].span_id
    assert spans["Start"].parent_id == CALLER_SPAN
    assert spans["Middle"].parent_id == spans["Start"].span_id
    assert spans["Last"].parent_id == spans["Middle"].span_id
    assert len({span.span_id for span in spans.values()}) == 3


async def test_without_traceparent_a_request_starts_a_trace(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(STEPS)) as (services, client):
        bad = "00-00000000000000000000000000000000-00f067aa0ba902b7-01"  # all-zero: invalid
        response = await client.post("/start", json={}, headers={"traceparent": bad})
        trace = services.env.tracer.get(response.headers["x-trace-id"])
    found = _HEADER.fullmatch(response.headers["traceparent"])
    assert found is not None and found[1] == response.headers["x-trace-id"] != "0" * 32
    assert trace is not None and trace.spans[0].parent_id is None


async def test_an_admin_emit_starts_a_new_trace_context(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(STEPS)) as (services, client):
        body = {"topic": "to.python", "data": {}}
        emitted = await client.post("/__steppe/api/emit", json=body)
        assert emitted.status_code == 202
        python = await wait_for(lambda: services.env.state.get("seen", "python"))
        trace = services.env.tracer.get(emitted.json()["traceId"])
    assert trace is not None
    middle = next(span for span in trace.spans if span.step == "Middle")
    assert middle.parent_id is None
    assert python[0] == f"00-{trace.trace_id}-{middle.span_id}-01"


def test_traceparent_parsing_follows_the_w3c_format() -> None:
    assert TraceParent.parse(CALLER) == TraceParent(CALLER_TRACE, CALLER_SPAN, "01")
    assert TraceParent.parse(f" {CALLER} ") is not None
    for bad in (None, "", CALLER.upper(), CALLER[:-1], f"01-{CALLER[3:]}",
                f"00-{CALLER_TRACE}-{'0' * 16}-01"):  # fmt: skip
        assert TraceParent.parse(bad) is None


async def test_the_sqlite_queue_keeps_an_events_traceparent_and_loads_old_rows(
    tmp_path: Path,
) -> None:
    event = Event("e1", "t", {}, CALLER_TRACE, "S", 1, 1.0, traceparent=CALLER)
    async with open_sqlite_queue(tmp_path / "queue.db") as store:
        await store.accept(event, [Delivery("d1", event, "Step")])
    async with open_sqlite_queue(tmp_path / "queue.db") as store:
        (pending,) = await store.pending()
    assert pending.event.traceparent == CALLER
    old = {k: v for k, v in event.as_json().items() if k != "traceparent"}
    assert Event.from_json(old).traceparent is None

"""Merging this instance's traces with the spans other instances recorded (core/deployment.py,
docs/reference.md §11): the instance that saw a trace first names its trigger, and a span
this instance holds wins over its own record (it may still be running here)."""

from __future__ import annotations

from typing import Any

from orchestrator.core.deployment import merge_traces, trace_header
from orchestrator.core.tracing import Span, Trace


def record(span: Span, trace: Trace) -> dict[str, Any]:
    return span.as_json() | {"trace": trace_header(trace, span)}


def test_the_first_instance_names_the_trigger_and_local_spans_win() -> None:
    tid = "a" * 32
    # A served the request at t=10 and its API span ended there.
    on_a = Trace(tid, "http", "POST /hello", 10.0)
    api = Span(tid, "Hello", "python", "api", 10.0, duration_ms=5.0, status="ok", instance="a:1")
    # B delivers the emitted event from t=11: its trace is an `emit` one from its own start.
    on_b = Trace(tid, "emit", "Greet", 11.0)
    event = Span(tid, "Greet", "python", "event", 11.0, instance="b:2")
    on_b.spans.append(event)
    ended = Span.from_json(event.as_json() | {"status": "ok", "durationMs": 1.0})
    other = Trace("b" * 32, "cron", "Tick", 12.0)
    tick = Span(other.trace_id, "Tick", "node", "cron", 12.0, status="ok", instance="a:1")

    newest, merged = merge_traces(
        [on_b], [record(tick, other), record(api, on_a), record(ended, on_b)]
    )

    assert (newest.trace_id, merged.trace_id) == (other.trace_id, tid)
    assert (merged.trigger, merged.detail, merged.started) == ("http", "POST /hello", 10.0)
    assert [(s.step, s.status, s.instance) for s in merged.spans] == [
        ("Hello", "ok", "a:1"),
        ("Greet", "running", "b:2"),  # B's own, still running, not its record
    ]
    assert merged.status == "running" and on_b.spans == [event]  # the local trace untouched

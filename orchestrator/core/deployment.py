"""Traces and logs shared by every instance of a deployment (docs/reference.md §11).

Instances that share a queue (Redis) sit behind one load balancer, so an operator's
admin call reaches any of them: each writes its finished spans and log entries where
all can read them (`SharedRecords`, implemented in stores/, since core imports no
store), tagged with the instance (hostname:pid), and the admin API reads the whole
deployment from there. Alone (SQLite, memory) a process keeps its own traces and tail.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from typing import Any, Protocol

from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import Span, Trace, Tracer


class SharedRecords(Protocol):
    """Where the instances of a deployment put their spans and log entries.

    The writes are called on the hot path: they keep the record and return, never
    waiting on the network (the store sends what it kept in batches)."""

    instance: str

    def add_log(self, entry: dict[str, Any]) -> None: ...

    def add_span(self, span: Span, trace: Trace | None) -> None: ...

    async def logs_page(
        self, *, limit: int, max_bytes: int, before: int | None, trace_id: str | None
    ) -> list[dict[str, Any]]:
        """As `LogTail.page`, over every instance's entries, this one's included;
        `seq` counts the entries of the whole deployment."""
        ...

    async def span_records(self, trace_id: str | None = None) -> list[dict[str, Any]]:
        """Finished spans kept (of one trace if given): each `Span.as_json()` with the
        `trace` it belonged to on its instance (`{type, detail, start}`)."""
        ...


def instance_name() -> str:
    """What this process's records are tagged with."""
    return f"{socket.gethostname()}:{os.getpid()}"


def share(records: SharedRecords, tracer: Tracer, logs: LogSink) -> None:
    """Send every span `tracer` ends and every entry `logs` takes to `records` too."""
    tracer.instance = records.instance
    tracer.share = records.add_span
    logs.subscribe(records.add_log)


def trace_header(trace: Trace | None, span: Span) -> dict[str, Any]:
    """What a span record says of its trace (a span outliving its trace in the ring is
    of an `emit` trace from its own start, as `Tracer.start_span` would make it)."""
    if trace is None:
        return {"type": "emit", "detail": span.step, "start": span.started}
    return {"type": trace.trigger, "detail": trace.detail, "start": trace.started}


def merge_traces(local: Iterable[Trace], records: Iterable[dict[str, Any]]) -> list[Trace]:
    """This instance's traces with the spans other instances recorded, newest first.

    A trace runs on several instances (a request on one, its events on others); each
    instance knows it from its own first span, so the earliest start names its trigger.
    A span this instance holds (maybe still running) wins over its record."""
    merged: dict[str, Trace] = {}
    seen: dict[str, set[str]] = {}
    for trace in local:
        merged[trace.trace_id] = Trace(
            trace.trace_id, trace.trigger, trace.detail, trace.started, list(trace.spans)
        )
        seen[trace.trace_id] = {span.span_id for span in trace.spans}
    for record in records:
        span, header = Span.from_json(record), record["trace"]
        known = merged.get(span.trace_id)
        if known is None:
            trace = merged[span.trace_id] = Trace(
                span.trace_id, header["type"], header["detail"], header["start"]
            )
            seen[span.trace_id] = set()
        else:
            trace = known
        if header["start"] < trace.started:
            trace.trigger, trace.detail, trace.started = (
                header["type"],
                header["detail"],
                header["start"],
            )
        if span.span_id not in seen[span.trace_id]:
            seen[span.trace_id].add(span.span_id)
            trace.spans.append(span)
    for trace in merged.values():
        trace.spans.sort(key=lambda span: span.started)
    return sorted(merged.values(), key=lambda trace: trace.started, reverse=True)

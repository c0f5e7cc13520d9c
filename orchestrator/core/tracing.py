"""Traces and spans (docs/reference.md §8): a trace per trigger, a span per invocation.

Recent traces stay in memory (a bounded ring) for the admin API and tests; each
finished span is also written to the log file as a structured entry.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from orchestrator.core.ids import random_id
from orchestrator.core.logs import LogSink
from orchestrator.core.metrics import Metrics

_MAX_TRACES = 1000


def new_trace_id() -> str:
    return random_id()


@dataclass(slots=True)
class Span:
    """One invocation of a step within a trace."""

    trace_id: str
    step: str
    language: str
    kind: str  # api, event, cron
    started: float
    attempt: int = 1
    duration_ms: float | None = None
    status: str = "running"  # running, ok, error
    error: dict[str, Any] | None = None
    emitted: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "step": self.step,
            "language": self.language,
            "kind": self.kind,
            "start": self.started,
            "durationMs": self.duration_ms,
            "status": self.status,
            "error": self.error,
            "emitted": self.emitted,
            "attempt": self.attempt,
        }


@dataclass(slots=True)
class Trace:
    """Everything one trigger (an HTTP request, a cron tick, an emit) caused."""

    trace_id: str
    trigger: str  # http, cron, emit, cli
    detail: str
    started: float
    spans: list[Span] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = {span.status for span in self.spans}
        if "error" in statuses:
            return "error"
        return "running" if "running" in statuses or not self.spans else "ok"

    @property
    def duration_ms(self) -> float | None:
        ends = [s.started + (s.duration_ms or 0) / 1000 for s in self.spans if s.duration_ms]
        return (max(ends) - self.started) * 1000 if ends else None

    def as_json(self) -> dict[str, Any]:
        return self._header() | {"spans": [span.as_json() for span in self.spans]}

    def summary_json(self) -> dict[str, Any]:
        """As `as_json`, with the number of spans instead of the spans (trace lists)."""
        return self._header() | {"spanCount": len(self.spans)}

    def _header(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "trigger": {"type": self.trigger, "detail": self.detail},
            "start": self.started,
            "status": self.status,
            "durationMs": self.duration_ms,
        }


class Tracer:
    def __init__(
        self, logs: LogSink, max_traces: int = _MAX_TRACES, *, delivery_level: str = "debug"
    ) -> None:
        """`delivery_level` is the level of the line logged for each finished event or
        cron span (`steppe dev` shows them; an API span has the access-log line)."""
        self._logs = logs
        self._delivery_level = delivery_level
        self._traces: OrderedDict[str, Trace] = OrderedDict()
        self._max = max_traces
        self.metrics = Metrics()

    def start_trace(self, trigger: str, detail: str, trace_id: str | None = None) -> str:
        trace = Trace(trace_id or new_trace_id(), trigger, detail, time.time())
        self._traces[trace.trace_id] = trace
        while len(self._traces) > self._max:
            self._traces.popitem(last=False)
        return trace.trace_id

    def start_span(
        self, trace_id: str, step: str, language: str, kind: str, attempt: int = 1
    ) -> Span:
        span = Span(trace_id, step, language, kind, time.time(), attempt)
        trace = self._traces.get(trace_id)
        if trace is None:  # a trace evicted from the ring (or from before a restart)
            self.start_trace("emit", step, trace_id)
            trace = self._traces[trace_id]
        trace.spans.append(span)
        return span

    def end_span(
        self,
        span: Span,
        *,
        error: dict[str, Any] | None = None,
        emitted: list[str] | None = None,
    ) -> None:
        span.duration_ms = (time.time() - span.started) * 1000
        span.status = "error" if error else "ok"
        span.error = error
        span.emitted = list(emitted or ())
        self.metrics.count_invocation(span.step, span.kind, span.status)
        if not error and (span.kind == "api" or self._delivery_level == "debug"):
            # An API span has its access-log line; in `start` a successful delivery is
            # kept in the trace only, sparing the hot path a log entry per event.
            return
        self._logs.write(
            "error" if error else self._delivery_level,
            f"{span.kind} {span.step} {span.status} in {span.duration_ms:.1f} ms",
            step=span.step,
            trace_id=span.trace_id,
            fields={"span": span.as_json()},
            source="tracing",
        )

    def get(self, trace_id: str) -> Trace | None:
        return self._traces.get(trace_id)

    def recent(self, limit: int = 100) -> list[Trace]:
        return list(self._traces.values())[-limit:][::-1]

"""Traces and spans (docs/reference.md §8): a trace per trigger, a span per invocation.

Ids follow W3C trace context: a trace id of 32 hex digits, a span id of 16; each
span knows its parent's (the caller's span of an HTTP request's `traceparent`, or
the span that emitted the event it handles), so a trace can continue outside.

Recent traces stay in memory (a bounded ring) for the admin API and tests; each
finished span is also written to the log file as a structured entry.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.core.ids import random_id, span_id
from orchestrator.core.logs import LogSink
from orchestrator.core.metrics import Metrics

MAX_TRACES = 1000


# version 00: trace id, parent id, flags; lower-case hex (W3C Trace Context §3.2).
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16
SAMPLED = "01"


def new_trace_id() -> str:
    return random_id()


@dataclass(frozen=True, slots=True)
class TraceParent:
    """A W3C `traceparent`: the trace, the span that is the parent, the trace flags."""

    trace_id: str
    span_id: str
    flags: str = SAMPLED

    @classmethod
    def parse(cls, header: str | None) -> TraceParent | None:
        """The header's value, or None when it is missing or not valid (then a new
        trace starts, as the W3C recommendation says)."""
        if not header:
            return None
        found = _TRACEPARENT.fullmatch(header.strip())
        if found is None or found[1] == _ZERO_TRACE or found[2] == _ZERO_SPAN:
            return None
        return cls(found[1], found[2], found[3])

    @property
    def header(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


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
    span_id: str = field(default_factory=span_id)
    parent_id: str | None = None  # the parent span's id (None: the first of its trace)
    flags: str = SAMPLED
    topic: str | None = None  # the event's, for an event step's span
    instance: str | None = None  # hostname:pid, when instances share traces (Redis)

    @property
    def traceparent(self) -> str:
        """This span as the parent of what it causes (its emits, its outbound calls)."""
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def as_json(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "spanId": self.span_id,
            "parentSpanId": self.parent_id,
            "step": self.step,
            "language": self.language,
            "kind": self.kind,
            "start": self.started,
            "durationMs": self.duration_ms,
            "status": self.status,
            "error": self.error,
            "emitted": self.emitted,
            "attempt": self.attempt,
            "topic": self.topic,
        } | ({"instance": self.instance} if self.instance else {})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Span:
        """A span of `as_json`'s shape (another instance's, read back from Redis)."""
        return cls(
            data["traceId"], data["step"], data["language"], data["kind"], data["start"],
            data.get("attempt", 1), data.get("durationMs"), data.get("status", "ok"),
            data.get("error"), list(data.get("emitted") or ()), data["spanId"],
            data.get("parentSpanId"), topic=data.get("topic"), instance=data.get("instance"),
        )  # fmt: skip


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
        self, logs: LogSink, max_traces: int = MAX_TRACES, *, delivery_level: str = "debug"
    ) -> None:
        """`delivery_level` is the level of the line logged for each finished event or
        cron span (`steppe dev` shows them; an API span has the access-log line)."""
        self._logs = logs
        self._delivery_level = delivery_level
        self._traces: OrderedDict[str, Trace] = OrderedDict()
        self._max = max_traces
        self.metrics = Metrics()
        # Called with each finished span and its trace: OpenTelemetry export
        # (core/telemetry.py) when it is configured, else nothing.
        self.export: Callable[[Span, Trace | None], None] | None = None
        # The same, and each span tagged with `instance`, when the instances of a
        # deployment share their traces (core/deployment.py).
        self.share: Callable[[Span, Trace | None], None] | None = None
        self.instance: str | None = None

    def start_trace(self, trigger: str, detail: str, trace_id: str | None = None) -> str:
        """A new trace's id; `trace_id` (a caller's `traceparent`) continues a trace,
        and one still in memory keeps its spans (one caller's trace, many requests)."""
        if trace_id is not None and trace_id in self._traces:
            return trace_id
        trace = Trace(trace_id or new_trace_id(), trigger, detail, time.time())
        self._traces[trace.trace_id] = trace
        while len(self._traces) > self._max:
            self._traces.popitem(last=False)
        return trace.trace_id

    def start_span(
        self,
        trace_id: str,
        step: str,
        language: str,
        kind: str,
        attempt: int = 1,
        *,
        parent: TraceParent | None = None,
        span_id: str | None = None,
        topic: str | None = None,
    ) -> Span:
        """A running span; a child of `parent` when it is of the same trace, with
        `span_id` when the caller already named it (an HTTP response's `traceparent`)."""
        span = Span(
            trace_id, step, language, kind, time.time(), attempt, topic=topic,
            instance=self.instance,
        )  # fmt: skip
        if span_id is not None:
            span.span_id = span_id
        if parent is not None and parent.trace_id == trace_id:
            span.parent_id, span.flags = parent.span_id, parent.flags
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
        if self.export is not None:
            self.export(span, self._traces.get(span.trace_id))
        if self.share is not None:
            self.share(span, self._traces.get(span.trace_id))
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

    def span_of(self, trace_id: str, step: str) -> Span | None:
        """The step's latest span in the trace, a running one first: the span a log
        entry of that step and trace was written in (None when there is none)."""
        trace = self._traces.get(trace_id)
        if trace is None:
            return None
        spans = [span for span in reversed(trace.spans) if span.step == step]
        running = [span for span in spans if span.status == "running"]
        chosen = running or spans
        return chosen[0] if chosen else None

    def recent(self, limit: int = 100) -> list[Trace]:
        return list(self._traces.values())[-limit:][::-1]

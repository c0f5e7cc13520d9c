"""OpenTelemetry export (docs/reference.md §14; the optional extra `steppe[otel]`).

Each finished span of the `Tracer` becomes an OpenTelemetry span with the same ids
(those in every `traceparent` the handlers and events saw), the step's attributes,
its status and its exception; each log entry becomes a log record tied to its trace
and span. The SDK's batch processors send them from their own threads with the
OTLP/HTTP exporters, which read the standard `OTEL_*` variables (endpoint, headers,
timeout, compression; `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
`OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`).

Imported only by `core/telemetry.py`, once an endpoint is configured.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from opentelemetry._logs import SeverityNumber
from opentelemetry.context import Context
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    LogRecordExporter,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import (
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    set_span_in_context,
)

from orchestrator import __version__
from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import Span, Trace, Tracer

_KINDS = {"api": SpanKind.SERVER, "event": SpanKind.CONSUMER, "cron": SpanKind.INTERNAL}
_SEVERITIES = {
    "debug": SeverityNumber.DEBUG,
    "info": SeverityNumber.INFO,
    "warn": SeverityNumber.WARN,
    "error": SeverityNumber.ERROR,
}
# A trace id given from outside (an admin emit's `traceId`) may be any string; only
# W3C ids can be exported.
_TRACE_ID = re.compile(r"[0-9a-f]{32}")


class _SteppeIds(IdGenerator):
    """Gives the SDK the ids Steppe already gave the span being exported (set just
    before each `start_span`, on the one thread that exports spans)."""

    def __init__(self) -> None:
        self.trace_id = 0
        self.span_id = 0

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id


def _resource() -> Resource:
    """The environment's resource (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`),
    named `steppe` when it names no service."""
    named = "OTEL_SERVICE_NAME" in os.environ or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    return Resource.create({} if named else {SERVICE_NAME: "steppe"})


def _context(trace_id: str, span_id: str, flags: str) -> Context:
    parent = SpanContext(
        int(trace_id, 16), int(span_id, 16), is_remote=True, trace_flags=TraceFlags(int(flags, 16))
    )
    return set_span_in_context(NonRecordingSpan(parent))


class OtelExport:
    """Spans and log entries out to OpenTelemetry exporters."""

    def __init__(
        self, spans: SpanExporter, logs: LogRecordExporter | None, *, batch: bool = True
    ) -> None:
        """`batch`: send from a background thread (else at once, for tests)."""
        resource = _resource()
        self._ids = _SteppeIds()
        self._provider = TracerProvider(resource=resource, id_generator=self._ids)
        self._provider.add_span_processor(
            BatchSpanProcessor(spans) if batch else SimpleSpanProcessor(spans)
        )
        self._otel_tracer = self._provider.get_tracer("steppe", __version__)
        self._log_provider: LoggerProvider | None = None
        if logs is not None:
            self._log_provider = LoggerProvider(resource=resource)
            self._log_provider.add_log_record_processor(
                BatchLogRecordProcessor(logs) if batch else SimpleLogRecordProcessor(logs)
            )
            self._logger = self._log_provider.get_logger("steppe", __version__)
        self._tracer: Tracer | None = None

    @classmethod
    def from_environment(cls) -> OtelExport:
        """OTLP/HTTP exporters configured by the `OTEL_*` variables; no logs with
        `OTEL_LOGS_EXPORTER=none`."""
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        no_logs = os.environ.get("OTEL_LOGS_EXPORTER", "").strip().lower() == "none"
        return cls(OTLPSpanExporter(), None if no_logs else OTLPLogExporter())

    def attach(self, tracer: Tracer, logs: LogSink) -> Callable[[], None]:
        """Export the tracer's spans and the sink's entries; returns the undoing."""
        self._tracer = tracer
        tracer.export = self.export_span
        unsubscribe = logs.subscribe(self.export_log) if self._log_provider else None

        def detach() -> None:
            tracer.export = None
            if unsubscribe is not None:
                unsubscribe()

        return detach

    def export_span(self, span: Span, trace: Trace | None) -> None:
        if not _TRACE_ID.fullmatch(span.trace_id):
            return
        self._ids.trace_id, self._ids.span_id = int(span.trace_id, 16), int(span.span_id, 16)
        parent = span.parent_id and _context(span.trace_id, span.parent_id, span.flags)
        attributes: dict[str, Any] = {
            "steppe.step": span.step,
            "steppe.language": span.language,
            "steppe.kind": span.kind,
            "steppe.attempt": span.attempt,
            "steppe.status": span.status,
            "steppe.emitted": span.emitted,
        }
        if span.topic is not None:
            attributes["steppe.topic"] = span.topic
        if trace is not None:
            attributes["steppe.trigger"] = trace.trigger
            attributes["steppe.trigger.detail"] = trace.detail
        start = int(span.started * 1e9)
        otel_span = self._otel_tracer.start_span(
            f"{span.kind} {span.step}",
            parent or None,
            _KINDS.get(span.kind, SpanKind.INTERNAL),
            attributes,
            start_time=start,
        )
        if span.error is not None:
            name, message = span.error.get("name"), span.error.get("message")
            otel_span.add_event(
                "exception",
                {"exception.type": str(name), "exception.message": str(message),
                 "exception.stacktrace": str(span.error.get("stack") or "")},
            )  # fmt: skip
            otel_span.set_status(Status(StatusCode.ERROR, f"{name}: {message}"))
        else:
            otel_span.set_status(Status(StatusCode.OK))
        otel_span.end(start + int((span.duration_ms or 0) * 1e6))

    def export_log(self, entry: dict[str, Any]) -> None:
        # The SDK's own complaints (an unreachable collector) must not feed back here.
        source = str(entry.get("source") or "")
        if source.startswith("opentelemetry"):
            return
        trace_id, step = entry.get("traceId"), entry.get("step")
        context = None
        if isinstance(trace_id, str) and _TRACE_ID.fullmatch(trace_id):
            span = self._tracer.span_of(trace_id, step) if self._tracer and step else None
            context = _context(trace_id, span.span_id if span else "0" * 16, "01")
        attributes: dict[str, Any] = {"steppe.source": source}
        if step:
            attributes["steppe.step"] = step
        if entry.get("fields"):
            attributes["steppe.fields"] = json.dumps(entry["fields"], default=str)
        level = str(entry.get("level"))
        self._logger.emit(
            timestamp=int(float(entry["time"]) * 1e9),
            context=context,
            severity_number=_SEVERITIES.get(level, SeverityNumber.INFO),
            severity_text=level.upper(),
            body=str(entry.get("msg", "")),
            attributes=attributes,
        )

    def shutdown(self) -> None:
        """Send what is still held, then stop the exporters (blocking)."""
        self._provider.shutdown()
        if self._log_provider is not None:
            self._log_provider.shutdown()

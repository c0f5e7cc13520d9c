"""OpenTelemetry export (docs/reference.md §14; the optional extra `steppe[otel]`).

Each finished span of the `Tracer` is exported with the same ids (those in every
`traceparent` the handlers and events saw), the step's attributes, its status and
its exception: over OTLP/HTTP by `core/otlp.py` (fast, off the event loop), or to
any SDK `SpanExporter` (the in-memory one in tests). Each log entry becomes an SDK
log record tied to its trace and span, sent by the SDK's batch processor and
OTLP/HTTP log exporter; both read the standard `OTEL_*` variables.

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
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
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
from orchestrator.core.otlp import (
    Finished,
    OtlpSender,
    Shipper,
    resource_attributes,
    span_attributes,
)
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
_SCOPE = InstrumentationScope("steppe", __version__)

SendSpans = Callable[[list[Finished]], None]


def _span_context(trace_id: str, span_id: str, flags: str, *, remote: bool) -> SpanContext:
    return SpanContext(
        int(trace_id, 16),
        int(span_id, 16),
        is_remote=remote,
        trace_flags=TraceFlags(int(flags, 16)),
    )


class SdkSpans:
    """Finished spans as SDK `ReadableSpan`s, to an SDK `SpanExporter`."""

    def __init__(self, exporter: SpanExporter) -> None:
        self._exporter = exporter
        self._resource = Resource.create(resource_attributes(os.environ))

    def __call__(self, batch: list[Finished]) -> None:
        self._exporter.export([self._readable(finished) for finished in batch])

    def _readable(self, finished: Finished) -> ReadableSpan:
        span = finished.span
        start = int(span.started * 1e9)
        end = start + int((span.duration_ms or 0) * 1e6)
        events, status = [], Status(StatusCode.OK)
        if span.error is not None:
            name, message = span.error.get("name"), span.error.get("message")
            events.append(Event("exception", {
                "exception.type": str(name), "exception.message": str(message),
                "exception.stacktrace": str(span.error.get("stack") or ""),
            }, end))  # fmt: skip
            status = Status(StatusCode.ERROR, f"{name}: {message}")
        parent = span.parent_id and _span_context(
            span.trace_id, span.parent_id, span.flags, remote=True
        )
        return ReadableSpan(
            f"{span.kind} {span.step}",
            _span_context(span.trace_id, span.span_id, span.flags, remote=False),
            parent or None,
            self._resource,
            span_attributes(finished),
            events,
            kind=_KINDS.get(span.kind, SpanKind.INTERNAL),
            status=status,
            start_time=start,
            end_time=end,
            instrumentation_scope=_SCOPE,
        )


class OtelExport:
    """Spans and log entries out to OpenTelemetry."""

    def __init__(
        self, spans: SendSpans, logs: LogRecordExporter | None, *, batch: bool = True
    ) -> None:
        """`spans` takes batches of finished spans; `batch`: from a background thread,
        every few seconds (else at once, on the event loop: for tests)."""
        self._send = spans
        self._shipper = Shipper(spans) if batch else None
        self._log_provider: LoggerProvider | None = None
        if logs is not None:
            self._log_provider = LoggerProvider(
                resource=Resource.create(resource_attributes(os.environ))
            )
            self._log_provider.add_log_record_processor(
                BatchLogRecordProcessor(logs) if batch else SimpleLogRecordProcessor(logs)
            )
            self._logger = self._log_provider.get_logger("steppe", __version__)
        self._tracer: Tracer | None = None

    @classmethod
    def from_environment(cls) -> OtelExport:
        """OTLP/HTTP, configured by the `OTEL_*` variables; no logs with
        `OTEL_LOGS_EXPORTER=none`."""
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        no_logs = os.environ.get("OTEL_LOGS_EXPORTER", "").strip().lower() == "none"
        return cls(OtlpSender(os.environ), None if no_logs else OTLPLogExporter())

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
        # Not sampled by the caller (flags 00), or an id OTLP cannot carry: not sent.
        if span.flags == "00" or not _TRACE_ID.fullmatch(span.trace_id):
            return
        finished = Finished.of(span, trace)
        if self._shipper is not None:
            self._shipper.add(finished)
        else:
            self._send([finished])

    def export_log(self, entry: dict[str, Any]) -> None:
        source = str(entry.get("source") or "")
        trace_id, step = entry.get("traceId"), entry.get("step")
        context: Context | None = None
        if isinstance(trace_id, str) and _TRACE_ID.fullmatch(trace_id):
            span = self._tracer.span_of(trace_id, step) if self._tracer and step else None
            span_id = span.span_id if span else "0" * 16
            context = set_span_in_context(
                NonRecordingSpan(_span_context(trace_id, span_id, "01", remote=False))
            )
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
        if self._shipper is not None:
            self._shipper.shutdown()
        if self._log_provider is not None:
            self._log_provider.shutdown()

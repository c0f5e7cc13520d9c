"""Whether to export to OpenTelemetry (docs/reference.md §14), decided from the
standard `OTEL_*` variables without importing OpenTelemetry.

The export itself (`core/otel.py`) needs the optional extra `steppe[otel]`; it is
imported only when an OTLP endpoint is configured, so a process without one never
loads the SDK (nor pays for it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import trio

from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import Tracer

# Either configures where traces go (the SDK's OTLP exporter reads both).
_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configured(environ: Mapping[str, str]) -> bool:
    """An OTLP endpoint is set and the SDK is not disabled (`OTEL_SDK_DISABLED`)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in _ENDPOINTS)


@asynccontextmanager
async def exporting(
    tracer: Tracer, logs: LogSink, environ: Mapping[str, str]
) -> AsyncIterator[None]:
    """Export the tracer's spans and the log entries over OTLP while the block runs,
    when `environ` configures it; then send what is left."""
    if not configured(environ):
        yield
        return
    try:
        from orchestrator.core.otel import OtelExport  # the optional extra
    except ImportError as exc:
        logs.write(
            "warn",
            f"OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed ({exc}); "
            "nothing is exported: pip install 'steppe[otel]'",
        )
        yield
        return
    export = OtelExport.from_environment()
    detach = export.attach(tracer, logs)
    try:
        yield
    finally:
        detach()
        # The SDK sends what it holds over HTTP, blocking: off the event loop.
        with trio.CancelScope(shield=True):
            await trio.to_thread.run_sync(export.shutdown)

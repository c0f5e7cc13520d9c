"""Whether to export to OpenTelemetry (docs/reference.md §14), decided from the
standard `OTEL_*` variables without importing OpenTelemetry.

The export itself (`core/otel.py` for spans and logs, `core/otel_metrics.py` for
metrics) needs the optional extra `steppe[otel]`; it is imported only when an OTLP
endpoint is configured, so a process without one never loads the SDK (nor pays for it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import trio

from orchestrator.core.logs import LogSink
from orchestrator.core.metrics import AnyFamily
from orchestrator.core.tracing import Tracer

T = TypeVar("T")
# Either configures where traces (and logs) go, and either where metrics go (the
# SDK's OTLP exporters read them).
_TRACES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_METRICS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")


def _set(environ: Mapping[str, str], names: Sequence[str]) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in names)


def traces_configured(environ: Mapping[str, str]) -> bool:
    """A traces endpoint is set and the SDK is not disabled (`OTEL_SDK_DISABLED`)."""
    return _set(environ, _TRACES)


def metrics_configured(environ: Mapping[str, str]) -> bool:
    """A metrics endpoint is set, and neither `OTEL_METRICS_EXPORTER=none` nor
    `OTEL_SDK_DISABLED=true`."""
    off = environ.get("OTEL_METRICS_EXPORTER", "").strip().lower() == "none"
    return not off and _set(environ, _METRICS)


@asynccontextmanager
async def exporting(
    tracer: Tracer, logs: LogSink, families: Sequence[AnyFamily], environ: Mapping[str, str]
) -> AsyncIterator[None]:
    """Export the tracer's spans, the log entries and the metric `families` (counters,
    gauges and histograms) over OTLP while the block runs, as `environ` configures it;
    then send what is left."""
    traces, metrics = traces_configured(environ), metrics_configured(environ)
    if not (traces or metrics):
        yield
        return
    try:
        from orchestrator.core.otel import OtelExport  # the optional extra
        from orchestrator.core.otel_metrics import MetricsExport
    except ImportError as exc:
        logs.write(
            "warn",
            f"an OTEL_EXPORTER_OTLP_*ENDPOINT is set but OpenTelemetry is not installed "
            f"({exc}); nothing is exported: pip install 'steppe[otel]'",
        )
        yield
        return
    detach: Callable[[], None] | None = None
    shutdowns: list[Callable[[], None]] = []
    if traces:
        export = OtelExport.from_environment()
        detach = export.attach(tracer, logs)
        shutdowns.append(export.shutdown)
    if metrics:
        read = OnLoop(trio.lowlevel.current_trio_token())
        shutdowns.append(MetricsExport.from_environment(families, read).shutdown)
    try:
        yield
    finally:
        if detach is not None:
            detach()
        # The SDK sends what it holds over HTTP, blocking: off the event loop (the
        # metrics' last collection reads the families on it).
        with trio.CancelScope(shield=True):
            for shutdown in shutdowns:
                await trio.to_thread.run_sync(shutdown)


class OnLoop:
    """Reads on the event loop from the SDK's thread: the counters are kept there,
    without locks."""

    def __init__(self, token: trio.lowlevel.TrioToken) -> None:
        self._token = token

    def __call__(self, read: Callable[[], Awaitable[T]]) -> T:
        return trio.from_thread.run(read, trio_token=self._token)

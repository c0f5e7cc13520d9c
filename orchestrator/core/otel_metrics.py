"""Metrics out to OpenTelemetry (docs/reference.md §14; the optional extra `steppe[otel]`).

No second bookkeeping: each metric `Family` (the list `/__steppe/metrics` renders)
is an observable counter or gauge whose callback reads it when the SDK collects, on
the event loop (`ReadOnLoop`), where the counters are kept without locks. A
histogram has no observable form in OpenTelemetry; `WithHistograms` adds each
`HistogramFamily` to each export from its buckets. A request pays nothing for any of it.

Imported only by `core/telemetry.py`, once a metrics endpoint is configured.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from time import time_ns
from typing import Any, Protocol, TypeVar

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    HistogramDataPoint,
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.sdk.metrics.export import Histogram as HistogramData
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from orchestrator import __version__
from orchestrator.core.metrics import AnyFamily, Attributes, Family, HistogramFamily
from orchestrator.core.otlp import resource_attributes

T = TypeVar("T")
_SCOPE = InstrumentationScope("steppe", __version__)

# One series of a histogram as read on the loop: labels, bounds, buckets (a copy), sum.
_Read = list[tuple[Attributes, tuple[float, ...], list[int], float]]


class ReadOnLoop(Protocol):
    """Runs a read on the event loop from the SDK's thread, and returns its result."""

    def __call__(self, read: Callable[[], Awaitable[T]]) -> T: ...


class MetricsExport:
    """The families as SDK instruments, collected by `reader`."""

    def __init__(
        self, reader: MetricReader, families: Sequence[AnyFamily], run: ReadOnLoop
    ) -> None:
        self._run = run
        self._provider = MeterProvider(
            metric_readers=[reader], resource=Resource.create(resource_attributes(os.environ))
        )
        meter = self._provider.get_meter("steppe", __version__)
        for family in families:
            if not isinstance(family, Family):
                continue  # a histogram: added to each export by WithHistograms
            create = (
                meter.create_observable_counter
                if family.kind == "counter"
                else meter.create_observable_gauge
            )
            create(
                family.otel,
                callbacks=[self._observer(family)],
                unit=family.unit,
                description=family.description,
            )

    def _observer(self, family: Family) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(value, attributes) for attributes, value in self._run(family.read)]

        return observe

    @classmethod
    def from_environment(cls, families: Sequence[AnyFamily], run: ReadOnLoop) -> MetricsExport:
        """OTLP/HTTP every `OTEL_METRIC_EXPORT_INTERVAL` ms (60000), as the SDK's
        exporter and reader read the `OTEL_*` variables."""
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        histograms = [f for f in families if isinstance(f, HistogramFamily)]
        exporter = WithHistograms(OTLPMetricExporter(), histograms, run)
        return cls(PeriodicExportingMetricReader(exporter), families, run)

    def shutdown(self) -> None:
        """Collect and send once more, then stop (blocking)."""
        self._provider.shutdown()


class WithHistograms(MetricExporter):
    """Hands each export to `exporter` with the `histograms` added, each series read
    on the loop (cumulative since start, in its own buckets)."""

    def __init__(
        self, exporter: MetricExporter, histograms: Sequence[HistogramFamily], run: ReadOnLoop
    ) -> None:
        super().__init__(
            preferred_temporality=exporter._preferred_temporality,
            preferred_aggregation=exporter._preferred_aggregation,
        )
        self._exporter, self._histograms, self._run = exporter, histograms, run
        self._start = time_ns()

    def _metric(self, family: HistogramFamily) -> Metric:
        async def read() -> _Read:
            return [(a, h.bounds, list(h.buckets), h.total) for a, h in await family.read()]

        now = time_ns()
        points = [
            HistogramDataPoint(
                attributes=attributes,
                start_time_unix_nano=self._start,
                time_unix_nano=now,
                count=sum(buckets),
                sum=total,
                bucket_counts=buckets,
                explicit_bounds=bounds,
                # Not kept by the registry; unset in what OTLP sends.
                min=None,  # type: ignore[arg-type]
                max=None,  # type: ignore[arg-type]
            )
            for attributes, bounds, buckets, total in self._run(read)
        ]
        data = HistogramData(points, AggregationTemporality.CUMULATIVE)
        return Metric(family.otel, family.description, family.unit, data)

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        added = [self._metric(family) for family in self._histograms]
        added = [metric for metric in added if metric.data.data_points]
        if not added:
            return self._exporter.export(metrics_data, timeout_millis=timeout_millis)
        resources = list(metrics_data.resource_metrics)
        if not resources:
            resource = Resource.create(resource_attributes(os.environ))
            resources = [ResourceMetrics(resource, [], "")]
        scopes = list(resources[0].scope_metrics)
        for n, scope in enumerate(scopes):
            if scope.scope.name == _SCOPE.name:  # with the instruments' metrics
                scopes[n] = replace(scope, metrics=[*scope.metrics, *added])
                break
        else:
            scopes.append(ScopeMetrics(_SCOPE, added, ""))
        resources[0] = replace(resources[0], scope_metrics=scopes)
        return self._exporter.export(MetricsData(resources), timeout_millis=timeout_millis)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self._exporter.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._exporter.shutdown(timeout_millis=timeout_millis)

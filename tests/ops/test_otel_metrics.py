"""Metrics exported over OpenTelemetry (docs/reference.md §14) through a real server
and real runners: the instruments read by the SDK's InMemoryMetricReader, then end
to end by an OTLP/HTTP receiver decoding `/v1/metrics`; `OTEL_METRICS_EXPORTER=none`
sends none.

Motia 1.0 exports metrics over OpenTelemetry; Motia 0.17 keeps none
(packages/core/src/observability/ has its tracer only), so the metrics are Steppe's
own, the same series as `/__steppe/metrics` (tests/ops/test_metrics.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import trio
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, Sum

from orchestrator.core.metrics import ACCEPT_BUCKETS, AnyFamily, Family, Sample
from orchestrator.core.otel_metrics import MetricsExport
from orchestrator.core.telemetry import OnLoop, metrics_configured
from orchestrator.http.metrics import families
from tests.helpers import serving, wait_for
from tests.ops.conftest import Receiver
from tests.ops.test_metrics import STEPS

ORDER = {"route": "/orders/:id", "method": "POST", "status": 202}
LATENCY, ACCEPT = "steppe.http.request.duration", "steppe.emit.accept.duration"


async def _exercise(services: Any, client: Any) -> None:
    """Three orders (each retried once by Flaky, dead-lettered by Doomed) and a 404."""
    for n in range(3):
        assert (await client.post(f"/orders/{n}", json={})).status_code == 202
    assert (await client.get("/nowhere")).status_code == 404
    await wait_for(lambda: sum(services.bus.dead_letters.values()) == 3)
    await wait_for(lambda: services.bus.delivered == 3)


Points = dict[str, dict[frozenset[tuple[str, Any]], Any]]


def _by_name(metrics: Any) -> Points:
    """{metric name: {attributes: data point}} of SDK MetricsData."""
    points: Points = {}
    for resource in metrics.resource_metrics:
        for scope in resource.scope_metrics:
            assert scope.scope.name == "steppe"
            for metric in scope.metrics:
                named = points.setdefault(metric.name, {})
                for point in metric.data.data_points:
                    named[frozenset(point.attributes.items())] = point
    return points


def _at(points: Points, name: str, **attributes: Any) -> Any:
    return points[name][frozenset(attributes.items())]


async def test_the_sdk_reads_every_instrument_with_its_attributes_when_it_collects(
    make_project: Callable[..., Path],
) -> None:
    reader, reads = InMemoryMetricReader(), Counter[str]()

    def counted(family: AnyFamily) -> AnyFamily:
        if not isinstance(family, Family):
            return family  # a histogram: not an instrument (WithHistograms exports it)

        async def read() -> list[Sample]:
            reads[family.otel] += 1
            return await family.read()

        return replace(family, read=read)

    async with serving(make_project(STEPS)) as (services, client):
        on_loop = OnLoop(trio.lowlevel.current_trio_token())
        MetricsExport(reader, [counted(f) for f in families(services.env)], on_loop)
        await _exercise(services, client)
        assert not reads  # requests and invocations never touch the export
        # Collected from the SDK's side, as its periodic reader does (off the loop).
        data = await trio.to_thread.run_sync(reader.get_metrics_data)
    assert set(reads.values()) == {1}  # each family read once, when collected
    points = _by_name(data)
    requests = _at(points, "steppe.http.requests", **ORDER)
    assert requests.value == 3
    assert _at(points, "steppe.http.requests", route="", method="GET", status=404).value == 1
    ok = _at(points, "steppe.invocations", step="Order", kind="api", outcome="ok")
    assert ok.value == 3
    flaky = {"step": "Flaky", "kind": "event"}
    assert _at(points, "steppe.invocations", **flaky, outcome="error").value == 3
    assert _at(points, "steppe.invocations", **flaky, outcome="ok").value == 3
    assert _at(points, "steppe.retries", step="Flaky").value == 3
    assert _at(points, "steppe.dead_letters", step="Doomed").value == 3
    assert _at(points, "steppe.queue.depth", step="Flaky", state="waiting").value == 0
    assert _at(points, "steppe.http.requests.in_flight").value == 0
    assert _at(points, "steppe.invocations.in_flight").value == 0
    for language in ("node", "python", "ruby"):
        assert _at(points, "steppe.runner.up", language=language).value == 1
        assert _at(points, "steppe.runner.restarts", language=language).value == 0
        assert _at(points, "steppe.runner.memory", language=language).value > 1_000_000
    (counted,) = [m for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics
                  if m.name == "steppe.invocations"]  # fmt: skip
    assert isinstance(counted.data, Sum) and counted.data.is_monotonic
    # The SDK's instruments: no histogram among them (WithHistograms adds them to exports).
    assert LATENCY not in points and ACCEPT not in points


async def test_an_otlp_receiver_gets_request_counts_and_latency_per_route_and_accepts(
    make_project: Callable[..., Path],
    receiver: tuple[str, type[Receiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", f"{url}/v1/metrics")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop")
    async with serving(make_project(STEPS)) as (services, client):
        await _exercise(services, client)
    # Leaving `serving` collected and sent once more; only metrics were configured.
    assert received.traces == [] and received.logs == []
    assert received.metrics
    last = received.metrics[-1]
    (resource,) = last.resource_metrics
    service = {a.key: a.value.string_value for a in resource.resource.attributes}
    assert service["service.name"] == "shop"
    metrics = {m.name: m for scope in resource.scope_metrics for m in scope.metrics}

    def attributes(point: Any) -> dict[str, Any]:
        return {
            a.key: a.value.int_value if a.value.HasField("int_value") else a.value.string_value
            for a in point.attributes
        }

    counts = {
        frozenset(attributes(p).items()): p.as_int
        for p in metrics["steppe.http.requests"].sum.data_points
    }
    assert counts[frozenset(ORDER.items())] == 3
    assert metrics["steppe.http.requests"].sum.is_monotonic
    (latency,) = [p for p in metrics[LATENCY].histogram.data_points if attributes(p) == ORDER]
    assert latency.count == 3 == sum(latency.bucket_counts)
    assert len(latency.bucket_counts) == len(latency.explicit_bounds) + 1 == 12
    assert latency.sum > 0 and metrics[LATENCY].unit == "s"
    assert metrics[LATENCY].histogram.aggregation_temporality == 2  # CUMULATIVE
    # Each emit's durable accept (tests/ops/test_metrics.py), in its finer buckets.
    (accepts,) = metrics[ACCEPT].histogram.data_points
    assert attributes(accepts) == {"store": "memory"}
    assert accepts.count == 3 == sum(accepts.bucket_counts) and accepts.sum > 0
    assert list(accepts.explicit_bounds) == list(ACCEPT_BUCKETS)
    assert len(accepts.bucket_counts) == len(ACCEPT_BUCKETS) + 1
    assert metrics[ACCEPT].unit == "s" and metrics[ACCEPT].histogram.aggregation_temporality == 2
    memory = metrics["steppe.runner.memory"]
    assert memory.unit == "By" and len(memory.gauge.data_points) == 3


async def test_otel_metrics_exporter_none_exports_no_metrics(
    make_project: Callable[..., Path],
    receiver: tuple[str, type[Receiver]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "none")
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "50")
    async with serving(make_project(STEPS)) as (services, client):
        await _exercise(services, client)
        await trio.sleep(0.3)
    assert received.traces  # the rest of the export is on
    assert received.metrics == []


def test_which_variables_turn_metrics_on() -> None:
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
    assert metrics_configured(endpoint)
    assert metrics_configured({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c/v1/metrics"})
    assert not metrics_configured({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c/v1/traces"})
    assert not metrics_configured(endpoint | {"OTEL_METRICS_EXPORTER": "none"})
    assert not metrics_configured(endpoint | {"OTEL_SDK_DISABLED": "true"})
    assert not metrics_configured({})

"""Counters the hot paths keep for `/__steppe/metrics` (docs/reference.md §14).

Plain dicts and ints, no locks: everything runs on one trio thread, and a request
pays a dict lookup, a bisect and three additions. The HTTP layer lists them as
`Family`s (http/metrics.py) together with gauges read at scrape time; the
OpenTelemetry export (core/otel_metrics.py) reads the same list when it exports.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

# Prometheus' default buckets, in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(slots=True)
class Histogram:
    """Counts per bucket (not cumulative: the renderer adds them up), the last one for
    values above every bound; with the sum and count Prometheus wants."""

    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1


@dataclass(slots=True)
class Metrics:
    """What happened since start: API requests by (route, method, status), with their
    latency; invocations by (step, kind, outcome)."""

    requests: dict[tuple[str, str, int], Histogram] = field(default_factory=dict)
    invocations: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        histogram = self.requests.get(key)
        if histogram is None:
            histogram = self.requests[key] = Histogram()
        histogram.observe(seconds)

    def count_invocation(self, step: str, kind: str, outcome: str) -> None:
        self.invocations[(step, kind, outcome)] += 1


Attributes = dict[str, str | int]
Sample = tuple[Attributes, float]


@dataclass(frozen=True, slots=True)
class Family:
    """One metric (but the latency histogram), under its Prometheus and its
    OpenTelemetry name, read from the counters and gauges when scraped or exported:
    the one list both `/__steppe/metrics` and the OTLP export go by."""

    prometheus: str
    otel: str
    kind: Literal["counter", "gauge"]
    unit: str
    description: str
    read: Callable[[], Awaitable[list[Sample]]]  # on the event loop

"""Counters the hot paths keep for `/__steppe/metrics` (docs/reference.md §14).

Plain dicts and ints, no locks: everything runs on one trio thread, and a request
pays a dict lookup, a bisect and three additions. The HTTP layer lists them as
`Family`s and `HistogramFamily`s (http/metrics.py) together with gauges read at
scrape time; the OpenTelemetry export (core/otel_metrics.py) reads the same list
when it exports.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

# Prometheus' default buckets, in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A durable accept takes tens of microseconds when the store is free: bounds fine
# enough to tell 1 ms and 5 ms apart (issue 23's target is a p99 of 5 ms).
ACCEPT_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0,
)  # fmt: skip


@dataclass(slots=True)
class Histogram:
    """Counts per bucket of `bounds` (not cumulative: the renderer adds them up), the
    last one for values above every bound; with the sum and count Prometheus wants."""

    bounds: tuple[float, ...] = LATENCY_BUCKETS
    buckets: list[int] = field(init=False)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.buckets = [0] * (len(self.bounds) + 1)

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(self.bounds, seconds)] += 1
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
# One series of a histogram: its labels and its counts.
HistogramSample = tuple[Attributes, Histogram]


@dataclass(frozen=True, slots=True)
class Family:
    """One counter or gauge, under its Prometheus and its OpenTelemetry name, read
    when scraped or exported: with the `HistogramFamily`s, the one list both
    `/__steppe/metrics` and the OTLP export go by."""

    prometheus: str
    otel: str
    kind: Literal["counter", "gauge"]
    unit: str
    description: str
    read: Callable[[], Awaitable[list[Sample]]]  # on the event loop


@dataclass(frozen=True, slots=True)
class HistogramFamily:
    """One histogram, as `Family`. OpenTelemetry has no observable histogram: the
    export adds it to each batch it sends (core/otel_metrics.py)."""

    prometheus: str
    otel: str
    unit: str
    description: str
    read: Callable[[], Awaitable[list[HistogramSample]]]  # on the event loop


AnyFamily = Family | HistogramFamily

"""Percentiles and medians, without numpy; percentiles of a Prometheus histogram."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction in 0..1) of a non-empty sample."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def median_of_runs(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Each metric's median across runs (runs are dicts of the same keys)."""
    return {key: median([run[key] for run in runs]) for key in runs[0]}


def prometheus_buckets(text: str, name: str) -> dict[float, float]:
    """The cumulative buckets {upper bound: count} of histogram `name` in Prometheus
    text (0.0.4), summed over its label sets; `+Inf` is `math.inf`. Empty when absent."""
    buckets: dict[float, float] = {}
    prefix = f"{name}_bucket{{"
    for line in text.splitlines():
        if not line.startswith(prefix):
            continue
        labels, _, value = line[len(prefix) :].rpartition("} ")
        le = labels.partition('le="')[2].partition('"')[0]
        bound = math.inf if le == "+Inf" else float(le)
        buckets[bound] = buckets.get(bound, 0.0) + float(value)
    return buckets


def bucket_percentile(
    before: Mapping[float, float], after: Mapping[float, float], fraction: float
) -> float | None:
    """The upper bound of the bucket holding the nearest-rank percentile (fraction in
    0..1) of what a cumulative histogram observed between two reads (`before` may be
    empty: nothing yet): the percentile is at most this. None if nothing was observed."""
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    if not counts or counts[-1] <= 0:
        return None
    rank = max(1, math.ceil(fraction * counts[-1]))
    return next(bound for bound, count in zip(bounds, counts, strict=True) if count >= rank)


def bucket_figures(
    before: Mapping[float, float], after: Mapping[float, float], name: str
) -> dict[str, float]:
    """What a histogram in seconds observed between two reads: `{name}s` (how many),
    `{name}_p50_ms` and `{name}_p99_ms`, each the upper bound in ms of the bucket
    holding it (`math.inf` in the last one). Empty when nothing was observed."""
    p50, p99 = bucket_percentile(before, after, 0.5), bucket_percentile(before, after, 0.99)
    if p50 is None or p99 is None:
        return {}
    count = after[math.inf] - before.get(math.inf, 0.0)
    return {f"{name}s": count, f"{name}_p50_ms": p50 * 1000, f"{name}_p99_ms": p99 * 1000}

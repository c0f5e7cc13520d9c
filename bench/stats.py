"""Percentiles and medians, without numpy."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


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

"""bench/stats.py: percentiles of samples and of a Prometheus histogram's buckets."""

from __future__ import annotations

import math

import pytest

from bench.report import at_most
from bench.stats import bucket_figures, bucket_percentile, percentile, prometheus_buckets

SCRAPE = """\
# HELP steppe_emit_accept_seconds Wait of an emit for its deliveries to be accepted.
# TYPE steppe_emit_accept_seconds histogram
steppe_emit_accept_seconds_bucket{store="sqlite",le="0.0001"} 90
steppe_emit_accept_seconds_bucket{store="sqlite",le="0.001"} 97
steppe_emit_accept_seconds_bucket{store="sqlite",le="0.005"} 99
steppe_emit_accept_seconds_bucket{store="sqlite",le="+Inf"} 100
steppe_emit_accept_seconds_sum{store="sqlite"} 0.05
steppe_emit_accept_seconds_count{store="sqlite"} 100
steppe_emit_accept_seconds_bucket{store="memory",le="0.0001"} 10
steppe_emit_accept_seconds_bucket{store="memory",le="0.001"} 10
steppe_emit_accept_seconds_bucket{store="memory",le="0.005"} 10
steppe_emit_accept_seconds_bucket{store="memory",le="+Inf"} 10
steppe_http_request_duration_seconds_bucket{route="/x",method="GET",status="200",le="0.005"} 7
"""


def test_prometheus_buckets_sums_the_label_sets_of_one_histogram() -> None:
    assert prometheus_buckets(SCRAPE, "steppe_emit_accept_seconds") == {
        0.0001: 100,
        0.001: 107,
        0.005: 109,
        math.inf: 110,
    }
    assert prometheus_buckets(SCRAPE, "steppe_emit_accept") == {}  # a prefix is not a name
    assert prometheus_buckets("", "steppe_emit_accept_seconds") == {}


def test_bucket_percentile_is_the_bound_of_the_bucket_holding_the_rank() -> None:
    before = {0.0001: 50.0, 0.001: 50.0, 0.005: 50.0, math.inf: 50.0}
    after = prometheus_buckets(SCRAPE, "steppe_emit_accept_seconds")
    # Between the reads: 50 under 0.1 ms, 7 more under 1 ms, 2 under 5 ms, 1 above.
    assert bucket_percentile(before, after, 0.5) == 0.0001
    assert bucket_percentile(before, after, 0.9) == 0.001  # rank 54 of 60
    assert bucket_percentile(before, after, 0.99) == math.inf  # rank 60: the one above 5 ms
    assert bucket_percentile(before, after, 0.95) == 0.001  # rank 57: the last under 1 ms
    assert bucket_percentile(before, after, 0.96) == 0.005  # rank 58
    assert bucket_percentile({}, after, 0.5) == 0.0001  # nothing before: from zero
    assert bucket_percentile(after, after, 0.5) is None  # nothing observed in between
    assert bucket_percentile({}, {}, 0.99) is None


def test_bucket_figures_are_bounds_in_ms_of_what_was_observed_between_two_reads() -> None:
    before = {0.0001: 10.0, 0.001: 10.0, 0.005: 10.0, math.inf: 10.0}
    after = {0.0001: 108.0, 0.001: 109.0, 0.005: 110.0, math.inf: 110.0}
    assert bucket_figures(before, after, "accept") == {
        "accepts": 100.0,
        "accept_p50_ms": pytest.approx(0.1),
        "accept_p99_ms": pytest.approx(1.0),
    }
    above = after | {math.inf: 120.0}  # ten more above the last bound
    assert bucket_figures(before, above, "accept")["accept_p99_ms"] == math.inf
    assert bucket_figures(after, after, "accept") == {}  # none in between
    assert bucket_figures({}, {}, "accept") == {}  # no histogram (Motia, an older Steppe)
    assert (at_most(0.1, 2), at_most(math.inf, 2), at_most(None, 2)) == (
        "≤ 0.10",
        "above the last bound",
        "—",
    )


def test_percentile_is_nearest_rank() -> None:
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([5.0], 0.99) == 5.0

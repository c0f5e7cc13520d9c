"""bench/report.py: Markdown for the results."""

from __future__ import annotations

from bench.redis import redis_markdown
from bench.report import table


def test_table() -> None:
    assert table(("a", "b"), [("1", "2"), ("3", "—")]) == [
        "| a | b |",
        "|---|---|",
        "| 1 | 2 |",
        "| 3 | — |",
        "",
    ]
    assert table(("only",), []) == ["| only |", "|---|", ""]


def test_the_redis_section_says_where_each_events_cpu_goes() -> None:
    """The CPU rows add Steppe's processes (orchestrator, runners) and BullMQ's Node to
    redis-server's share: the figures behind 'Steppe on Redis / BullMQ'."""
    figures = {
        "chain": {"events_per_s": 3000.0, "latency_p50_ms": 5.0, "latency_p99_ms": 9.0,
                  "cpu_us_per_event_orchestrator": 120.0, "cpu_us_per_event_runners": 70.0,
                  "cpu_us_per_event_store": 30.0},
        "workers_1": {"chain_events_per_s": 2000.0, "api_rps": 2000.0},
        "workers_2": {"chain_events_per_s": 2500.0, "api_rps": 3200.0},
        "bullmq": {"events_per_s": 12000.0, "cpu_us_per_event_node": 85.0,
                   "cpu_us_per_event_store": 48.0},
        "vs_bullmq": 0.25, "workers_2_vs_1_api": 1.6,
    }  # fmt: skip
    lines = redis_markdown({"redis": figures})
    assert "| Steppe on Redis, in process | 120 orchestrator + 70 runners | 30 | 220 |" in lines
    assert "| BullMQ (3 queues) | 85 node (start-up included) | 48 | 133 |" in lines
    assert "Steppe on Redis / BullMQ: 0.25x; --workers 2 / 1 API requests/s: 1.60x" in lines

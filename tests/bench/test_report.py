"""bench/report.py: Markdown for the results."""

from __future__ import annotations

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

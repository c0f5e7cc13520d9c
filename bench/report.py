"""Markdown for the results."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table, and the blank line after it."""
    lines = [f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return [*lines, ""]


def at_most(bound: float | None, digits: int) -> str:
    """A histogram's percentile, known as the upper bound of the bucket holding it."""
    if bound is None:
        return "—"
    return f"≤ {bound:,.{digits}f}" if bound != math.inf else "above the last bound"

"""How many tests passed and failed, read from the summary line each runner prints last
(pytest, jest, vitest, Node's spec reporter, minitest), for `steppe test`'s one summary."""

from __future__ import annotations

import re
from typing import NamedTuple


class Counts(NamedTuple):
    passed: int | None = None  # None: the runner's summary was not found
    failed: int | None = None


def _number(pattern: str, text: str) -> int | None:
    found = re.findall(pattern, text)
    return int(found[-1]) if found else None


def _total(*parts: int | None) -> int | None:
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def pytest_counts(text: str) -> Counts:
    # "1 failed, 3 passed, 1 error in 2.20s"
    lines = [line for line in text.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    last = lines[-1] if lines else ""
    passed = _number(r"(\d+) passed", last)
    failed = _total(_number(r"(\d+) failed", last), _number(r"(\d+) errors?\b", last))
    if last and passed is None:
        passed = 0
    if last and failed is None:
        failed = 0
    return Counts(passed, failed)


def _summary_line(text: str, pattern: str) -> Counts:
    """The counts of the last line matching `pattern` ("N passed", "N failed" in it)."""
    lines = re.findall(pattern, text, re.M)
    if not lines:
        return Counts()
    return Counts(
        _number(r"(\d+) passed", lines[-1]) or 0, _number(r"(\d+) failed", lines[-1]) or 0
    )


def jest_counts(text: str) -> Counts:
    return _summary_line(text, r"^Tests:.*$")  # "Tests:       1 failed, 2 passed, 3 total"


def vitest_counts(text: str) -> Counts:
    return _summary_line(text, r"^\s*Tests\s+.*\(\d+\)\s*$")  # "   Tests  1 failed | 2 passed (3)"


def node_counts(text: str) -> Counts:
    # The spec reporter's "(i) pass 2" and "(i) fail 0", after an information sign
    return Counts(_number(r"(?m)^\S+ pass (\d+)$", text), _number(r"(?m)^\S+ fail (\d+)$", text))


def minitest_counts(text: str) -> Counts:
    # "4 runs, 6 assertions, 1 failures, 0 errors, 0 skips"
    found = re.findall(
        r"(\d+) runs, \d+ assertions, (\d+) failures, (\d+) errors, (\d+) skips", text
    )
    if not found:
        return Counts()
    runs, failures, errors, skips = (int(n) for n in found[-1])
    return Counts(runs - failures - errors - skips, failures + errors)


READERS = {
    "pytest": pytest_counts,
    "jest": jest_counts,
    "vitest": vitest_counts,
    "node": node_counts,
    "minitest": minitest_counts,
}

"""Running one suite: its output passed through to the terminal as it comes, kept to
read the runner's own summary (counts.py) once it exits."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass

from orchestrator.testing.counts import READERS, Counts
from orchestrator.testing.suites import Suite

_KEPT_LINES = 200
_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # vitest colours its summary even into a pipe


@dataclass
class SuiteResult:
    suite: Suite
    returncode: int
    seconds: float
    counts: Counts

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_suite(suite: Suite, env: dict[str, str]) -> SuiteResult:
    """Run `suite` to its end; a suite that cannot start fails with its reason."""
    started = time.monotonic()
    if suite.missing is not None:
        print(f"steppe test: {suite.language} tests not run: {suite.missing}", flush=True)
        return SuiteResult(suite, 1, 0.0, Counts())
    kept: list[str] = []
    with subprocess.Popen(
        suite.argv,
        cwd=suite.cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            kept.append(line)
            if len(kept) > _KEPT_LINES:
                del kept[0]
    counts = READERS[suite.runner](_COLOURS.sub("", "".join(kept)))
    return SuiteResult(suite, process.returncode, time.monotonic() - started, counts)

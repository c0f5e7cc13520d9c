"""`steppe start --workers N` (docs/reference.md §11): N orchestrator processes on one port, the
kernel spreading connections among them (SO_REUSEPORT), each with its own runners,
all sharing the project's Redis.

This process starts the workers (each a `steppe start` told that it is one, with
`--worker`), passes SIGINT and SIGTERM on to them, and exits with the worst of
their exit codes. Only stores every worker shares are allowed: with an embedded one
(SQLite, memory) each worker would keep its own state and queue.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from orchestrator.core.errors import UsageError
from orchestrator.model.settings import Settings, store_kinds


def check_workers(settings: Settings, workers: int) -> None:
    """Raise UsageError when `workers` processes cannot share these settings' stores."""
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    embedded = sorted(store_kinds(settings) - {"redis"})
    if workers > 1 and embedded:
        raise UsageError(
            f"--workers {workers} needs every store in Redis, and {', '.join(embedded)} is "
            'embedded in each process: set backend = "redis" (and streams, if set) in the '
            "project's settings, or run one worker"
        )


def run_workers(project_dir: Path, settings: Settings, workers: int, *, json_console: bool) -> int:
    """Run `workers` processes of `steppe start` on the project until they stop."""
    command = [
        sys.executable, "-m", "orchestrator", "start", "--dir", str(project_dir),
        "--host", settings.host, "--port", str(settings.port), "--worker",
        *(["--json"] if json_console else []),
    ]  # fmt: skip
    children = [subprocess.Popen(command) for _ in range(workers)]

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    return max(child.wait() for child in children)

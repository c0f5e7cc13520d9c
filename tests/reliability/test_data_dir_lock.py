"""Two servers on one data folder: the second is refused at start, naming the pid that
holds the folder; a crashed holder leaves no stale lock (issue 15, item 6)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

STEP = """
config = {"type": "cron", "name": "Tick", "cron": "* * * * *", "emits": []}

async def handler(context):
    await context.state.set("ticks", context.trace_id, True)
"""


def start(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(root), "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_serving(server: subprocess.Popen[str]) -> None:
    assert server.stderr is not None
    deadline = time.monotonic() + 60
    for line in server.stderr:
        if "Steppe is serving" in line:
            return
        assert time.monotonic() < deadline, "server did not start"
    raise AssertionError(f"server exited with {server.wait()}")


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the server's runners)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_hard(server: subprocess.Popen[str]) -> None:
    """SIGKILL the server as a crash would, then its runners (which outliving their
    server is another matter, not this test's)."""
    runners = children_of(server.pid)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=30)
    for pid in runners:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_second_server_on_one_folder_is_refused(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/tick_step.py": STEP})
    first = start(root)
    try:
        wait_serving(first)
        second = subprocess.run(
            [sys.executable, "-m", "orchestrator", "start", "--dir", str(root), "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2, second.stderr
        message = " ".join(second.stderr.split())
        assert f"in use by another Steppe server (pid {first.pid})" in message
        assert "Traceback" not in second.stderr
    finally:
        kill_hard(first)
    # The kernel released the dead server's lock: a new server starts at once.
    third = start(root)
    try:
        wait_serving(third)
    finally:
        third.send_signal(signal.SIGTERM)
        assert third.wait(timeout=30) == 0

"""`steppe start --workers N` (docs/reference.md §11): N processes on one port sharing Redis, or a
refusal naming Redis when a store is embedded. Motia has no such flag (one Node
process per `motia start`, packages/snap/src/cli.ts at v0.17.14-beta.196); scaling
it out means more processes on a shared Redis, which this starts for the user."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.redis_server import RedisServer
from tests.started_server import free_port

PID_STEP = {
    "steps/pid.step.py": """
import os

config = {"type": "api", "name": "Pid", "method": "GET", "path": "/pid"}

async def handler(req, context):
    return {"status": 200, "body": {"pid": os.getppid()}}
""",
}


def steppe_start(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(project), *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_workers_with_an_embedded_store_are_refused_saying_to_use_redis(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(PID_STEP)
    process = steppe_start(project, "--workers", "2", "--port", str(free_port()))
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert "--workers 2 needs every store in Redis" in stderr and "sqlite" in stderr


def test_two_workers_serve_one_port_and_stop_together(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    settings = f'backend = "redis"\nredis_url = "{redis_server.url}"\n'
    project = make_project({**PID_STEP, "steppe.toml": settings})
    port = free_port()
    process = steppe_start(project, "--workers", "2", "--port", str(port))
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        # A new connection per request: the kernel picks a worker for each.
        while len(seen) < 2 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/pid", timeout=5) as answer:
                    seen.add(json.loads(answer.read())["pid"])
            except OSError:
                time.sleep(0.1)
        assert len(seen) == 2, f"answered by {seen}"
        assert not (project / ".steppe" / "server.lock").exists()  # every store is Redis
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr

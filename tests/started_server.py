"""`steppe start` as a separate process, for tests that kill it (SIGKILL, SIGTERM) and
start it again on the same project: a free port, the admin API's JSON, a start that
returns once the server answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(url: str, token: str, body: bytes | None = None) -> Any:
    """GET `url` (POST `body` when given) with the admin token; its JSON answer."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def start(project: Path, port: int, token: str) -> subprocess.Popen[bytes]:
    """`python -m orchestrator start` on the project, once its admin API answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(project), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "STEPPE_ADMIN_TOKEN": token},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            call(f"http://127.0.0.1:{port}/__steppe/api/steps", token)
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the orchestrator did not start")

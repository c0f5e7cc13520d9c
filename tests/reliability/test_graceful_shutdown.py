"""SIGTERM with a request in flight (issue 15 item 8): its client gets the response if
it finishes within `shutdown_grace`, else a 503 when the grace ends — never a dropped
connection — and the server exits within grace + 1 s. And a 503 in `start` mode says
nothing about the runner process (issue 15 item 7)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.helpers import serving

SLOW = """
import asyncio

config = {"type": "api", "name": "Slow", "method": "GET", "path": "/slow/:seconds"}

async def handler(req, context):
    await asyncio.sleep(float(req["pathParams"]["seconds"]))
    return {"status": 200, "body": {"slept": req["pathParams"]["seconds"]}}
"""
CRASH = """
import os

config = {"type": "api", "name": "Crash", "method": "GET", "path": "/crash"}

async def handler(req, context):
    os._exit(3)
"""
GRACE = 1.0


def serve(root: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(root), "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    for line in server.stderr:
        if "Steppe is serving" in line:
            return server, line.split("serving", 1)[1].strip()
    raise AssertionError(f"server exited with {server.wait()}")


def request_in_background(url: str) -> tuple[threading.Thread, dict[str, httpx.Response]]:
    answer: dict[str, httpx.Response] = {}

    def call() -> None:
        answer["response"] = httpx.get(url, timeout=30)

    thread = threading.Thread(target=call)
    thread.start()
    return thread, answer


def terminate(server: subprocess.Popen[str]) -> float:
    """SIGTERM; the seconds until the process exited."""
    began = time.monotonic()
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    return time.monotonic() - began


def test_a_request_that_outlives_the_grace_gets_a_503(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {"steps/slow_step.py": SLOW, "steppe.toml": f"shutdown_grace = {GRACE}\nstate = 'memory'\n"}
    )
    server, url = serve(root)
    thread, answer = request_in_background(f"{url}/slow/10")
    time.sleep(0.5)  # the request is in the handler
    took = terminate(server)
    thread.join(timeout=10)
    response = answer["response"]
    assert response.status_code == 503
    assert response.json()["error"] == "server shutting down"
    assert response.headers["x-trace-id"]
    assert took <= GRACE + 1.5, took  # grace + 1 s, and a margin for a busy machine


def test_a_request_that_finishes_within_the_grace_gets_its_answer(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"steps/slow_step.py": SLOW, "steppe.toml": "shutdown_grace = 5\n"})
    server, url = serve(root)
    thread, answer = request_in_background(f"{url}/slow/1")
    time.sleep(0.3)
    terminate(server)
    thread.join(timeout=10)
    assert answer["response"].status_code == 200
    assert answer["response"].json() == {"slept": "1"}


async def test_a_503_in_start_mode_names_no_process(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/crash_step.py": CRASH})
    async with serving(root, mode="start") as (_services, client):
        response = await client.get("/crash")
    assert response.status_code == 503
    body = response.text
    assert "pid" not in body and "exited" not in body and "code 3" not in body
    assert response.json()["message"] == "the step's runner is restarting; retry"

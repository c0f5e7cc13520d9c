"""`steppe dev --json` (docs/reference.md §8, §14): stdout is JSON lines only, one
object per line with time, level, step, traceId, message; and a `dev.log` the
server's output is redirected to, in the project folder, never wakes the reloader."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change

from orchestrator.services.reload import ProjectFilter

STEPS = {
    "steps/hello.step.py": """
config = {"type": "api", "name": "Hello", "method": "GET", "path": "/hello"}

async def handler(req, context):
    print("printed by the handler")
    context.logger.info("hello from the step", {"n": 1})
    return {"status": 200, "body": {"ok": True}}
""",
    "steps/broken.step.py": "config = {'type': 'api'}\n",
}


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _get(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                body: bytes = response.read()
                return body
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_dev_json_writes_json_lines_only_to_stdout(make_project: Callable[..., Path]) -> None:
    project = make_project(STEPS)
    port = _free_port()
    log_path = project / "dev.log"
    with log_path.open("w") as stdout:
        server = subprocess.Popen(
            [sys.executable, "-m", "orchestrator", "dev", "--json", "--dir", str(project),
             "--port", port],
            stdout=stdout, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )  # fmt: skip
        try:
            _get(f"http://127.0.0.1:{port}/hello")
            time.sleep(0.5)  # output written after the answer
        finally:
            server.send_signal(signal.SIGTERM)
            _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    lines = log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "step", "traceId", "message"} <= set(e) for e in entries)
    messages = [e["message"] for e in entries]
    assert any(m.startswith("Steppe is serving") for m in messages)
    assert any("broken.step.py" in e["message"] and e["level"] == "error" for e in entries)
    hello = [e for e in entries if e["message"] == "hello from the step"]
    assert hello and hello[0]["step"] == "Hello" and hello[0]["fields"] == {"n": 1}
    assert hello[0]["traceId"] and hello[0]["time"].endswith("Z")
    assert any(e["message"] == "printed by the handler" for e in entries)
    assert any(e["message"].startswith("GET /hello → 200") for e in entries)
    assert any(e["message"] == "SIGTERM received; stopping" for e in entries)
    # The server's own output file, in the project folder, never reloaded anything.
    assert not any(e.get("source") == "reload" for e in entries)


def test_the_reloader_ignores_files_the_server_writes(tmp_path: Path) -> None:
    """A shell redirect names any file: the filter knows this process's stdout by inode."""
    out = tmp_path / "server-output.txt"
    with out.open("w") as handle:
        saved = os.dup(1)
        os.dup2(handle.fileno(), 1)
        try:
            watch_filter = ProjectFilter(".steppe")
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    assert not watch_filter(Change.modified, str(out))
    assert not watch_filter(Change.modified, str(tmp_path / "dev.log"))
    (tmp_path / "handler.py").write_text("")
    assert watch_filter(Change.modified, str(tmp_path / "handler.py"))

"""What `steppe dev` shows a person: the steps, flows and URLs, then a line per request,
per event delivery and per log entry with its trace id; `--json` makes them JSON lines."""

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

PROJECT = {
    "steps/hello.step.py": """
config = {"type": "api", "name": "Hello", "method": "POST", "path": "/hello",
          "emits": ["greeted"], "flows": ["greetings"]}

async def handler(req, context):
    context.logger.info("saying hello", {"to": req["body"]["name"]})
    await context.emit({"topic": "greeted", "data": req["body"]})
    return {"status": 200, "body": {"hello": req["body"]["name"]}}
""",
    "steps/greeted.step.py": """
config = {"type": "event", "name": "Greeted", "subscribes": ["greeted"], "emits": [],
          "flows": ["greetings"]}

async def handler(data, context):
    context.logger.warn("greeting recorded")
""",
}


def _run_dev(root: Path, *extra: str) -> tuple[str, str]:
    """Serve, send one request, stop; the console output (stdout with --json, where
    its JSON lines go, else stderr) and the request's trace id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "dev", "--dir", str(root), "--port", str(port),
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/hello",
                    data=b'{"name": "Ada"}',
                    headers={"content-type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    trace_id = response.headers["x-trace-id"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        time.sleep(0.5)  # let the delivery run
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=30)
    return (stdout if "--json" in extra else stderr).decode(errors="replace"), trace_id


def test_dev_console_is_readable(make_project: Callable[..., Path]) -> None:
    out, trace_id = _run_dev(make_project(PROJECT))
    assert "Steps" in out and "Hello" in out and "Greeted" in out
    assert "greetings" in out and "Hello —greeted→ Greeted" in out  # the flow graph
    assert "Steppe is serving http://127.0.0.1:" in out and "/openapi.json" in out
    lines = [line for line in out.splitlines() if f"trace={trace_id}" in line]
    assert any("INFO  Hello POST /hello → 200" in line for line in lines), out[-3000:]
    assert any("INFO  Hello saying hello" in line and '"to": "Ada"' in line for line in lines)
    assert any("INFO  Greeted event Greeted ok" in line for line in lines)
    assert any("WARN  Greeted greeting recorded" in line for line in lines)


def test_json_console_prints_one_json_object_per_line(make_project: Callable[..., Path]) -> None:
    out, trace_id = _run_dev(make_project(PROJECT), "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    ours = [e for e in entries if e.get("traceId") == trace_id]
    assert {e["step"] for e in ours} >= {"Hello", "Greeted"}
    assert {"saying hello", "greeting recorded"} <= {e["message"] for e in ours}
    assert all({"time", "level", "message", "step", "traceId"} <= set(e) for e in entries)

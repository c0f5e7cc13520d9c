"""The `steppe` command as a user runs it: build, run, start + emit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from tests.helpers import REPO_ROOT, TESTS_DIR

BROKEN = TESTS_DIR / "fixtures" / "broken_project"


def steppe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_build_reports_each_broken_file_and_still_lists_the_good_steps() -> None:
    result = steppe("build", "--dir", str(BROKEN))
    out = result.stderr
    assert result.returncode == 1, out
    for name in ("GoodTs", "GoodJs", "GoodPy", "GoodRb"):
        assert name in out
    expected = {
        "steps/broken-syntax.step.ts": "failed to load",
        "steps/broken-syntax.step.js": "failed to load",
        "steps/broken_syntax.step.py": "failed to load",
        "steps/broken-syntax.step.rb": "failed to load",
        "steps/missing_handler.step.py": "handler: step MissingHandler exports no handler",
        "steps/other/duplicate-name.step.js": "duplicate step name 'GoodTs'",
        "steps/bad-field.step.rb": "subscribes: 'not-a-list' is not of type 'array'",
        "steps/bad-type.step.ts": "type: 'bogus' is not one of",
    }
    error_lines = [line for line in out.splitlines() if line.startswith("error ")]
    for path, message in expected.items():
        assert any(path in line and message in line for line in error_lines), (path, out)
    assert "4 steps, 0 streams, 8 error(s)" in out


def test_build_of_the_example_project_succeeds_and_prints_the_flow_graph() -> None:
    result = steppe("build", "--dir", str(REPO_ROOT))
    assert result.returncode == 0, result.stderr
    assert "pet-store" in result.stderr and "ecommerce" in result.stderr
    assert "FulfillOrder —order.fulfilled→ NotifyOwner" in result.stderr
    assert "(order.overdue)" in result.stderr  # the noop's virtual edge


def test_run_prints_result_emits_and_state_writes() -> None:
    result = steppe(
        "run", "OrderFood", "--dir", str(REPO_ROOT), "--param", "id=missing",
        "--data", '{"food": "kibble", "quantity": 1}',
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["step"] == "OrderFood" and report["result"]["status"] == 404
    conformance = TESTS_DIR / "conformance"
    event = steppe("run", "ConfEventRb", "--dir", str(conformance), "--data", '{"value": 1}')
    assert event.returncode == 0, event.stderr
    report = json.loads(event.stdout)
    assert report["emits"] == [
        {
            "topic": "conf.done.rb",
            "data": {
                "value": 2, "lang": "rb", "got": 1, "missingIsNull": True,
                "deleted": 1, "groupSize": 1,
            },
        }
    ]  # fmt: skip
    assert [w["op"] for w in report["stateWrites"]] == ["set", "set", "delete"]


def test_run_refuses_bad_data_and_unknown_steps() -> None:
    conformance = str(TESTS_DIR / "conformance")
    bad = steppe("run", "ConfEventJs", "--dir", conformance, "--data", '{"value": "x"}')
    assert bad.returncode == 1 and "value: 'x' is not of type 'number'" in bad.stderr
    unknown = steppe("run", "Nope", "--dir", conformance, "--data", "{}")
    assert unknown.returncode == 1 and "no step named 'Nope'" in unknown.stderr
    threw = steppe("run", "ConfThrowTs", "--dir", conformance, "--data", "{}")
    assert threw.returncode == 1 and "boom from ts" in threw.stderr


def _wait_for_200(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


def test_start_then_emit_through_the_admin_token_and_sigterm_exits_zero() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    env = {**os.environ, "STEPPE_ADMIN_TOKEN": "test-token-not-a-secret"}
    server = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(TESTS_DIR / "conformance"),
         "--port", port],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        _wait_for_200(f"http://127.0.0.1:{port}/openapi.json")
        url = f"http://127.0.0.1:{port}"
        emitted = steppe(
            "emit", "conf.event.py", "--data", '{"value": 1}', "--url", url,
            env={"STEPPE_ADMIN_TOKEN": "test-token-not-a-secret"},
        )  # fmt: skip
        assert emitted.returncode == 0, emitted.stderr
        assert json.loads(emitted.stdout)["subscribers"] == ["ConfEventPy"]
        refused = steppe(
            "emit", "conf.event.py", "--data", "{}", "--url", url,
            env={"STEPPE_ADMIN_TOKEN": "wrong"},
        )  # fmt: skip
        assert refused.returncode == 1 and "401" in refused.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0, stderr
    assert "SIGTERM received; stopping" in stderr


def test_run_serves_stream_calls_from_memory() -> None:
    project = str(TESTS_DIR / "streams" / "project")
    data = '{"stream": "items", "op": "set", "groupId": "g", "id": "1", "data": {"text": "hi"}}'
    result = steppe("run", "OpsPy", "--dir", project, "--data", data)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == {
        "status": 200,
        "body": {"result": {"text": "hi", "id": "1"}},
    }
    assert not (TESTS_DIR / "streams" / "project" / ".steppe" / "streams.db").exists()

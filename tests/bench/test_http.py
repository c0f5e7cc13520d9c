"""bench/http.py: servers under test, and wrk."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import bench.http
from bench.http import ServerFailed, free_port, parse_wrk, served, server, wrk

WRK_OK = """\
Running 6s test @ http://127.0.0.1:3917/ping
  1 threads and 1 connections
  Latency Distribution
     50%  261.44ms
     75%  292.44ms
     90%  328.34ms
     99%  350.98ms
  21 requests in 6.02s, 5.71KB read
Requests/sec:      3.49
Transfer/sec:      0.95KB
"""

WRK_ALL_TIMED_OUT = """\
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  32 requests in 8.03s, 8.66KB read
  Socket errors: connect 0, read 0, write 0, timeout 32
  Non-2xx or 3xx responses: 3
Requests/sec:      3.99
"""


def test_parse_wrk() -> None:
    figures = parse_wrk(WRK_OK)
    assert figures == {
        "rps": 3.49,
        "p50_ms": 261.44,
        "p99_ms": 350.98,
        "requests": 21,
        "timeouts": 0,
        "non_2xx": 0,
    }


def test_parse_wrk_does_not_report_0us_when_every_request_timed_out() -> None:
    figures = parse_wrk(WRK_ALL_TIMED_OUT)
    assert figures["p50_ms"] is None and figures["p99_ms"] is None
    assert (figures["timeouts"], figures["non_2xx"]) == (32, 3)


def test_parse_wrk_units_and_garbage() -> None:
    assert parse_wrk(WRK_OK.replace("261.44ms", "7.80s"))["p50_ms"] == 7800.0
    assert parse_wrk(WRK_OK.replace("261.44ms", "812.00us"))["p50_ms"] == pytest.approx(0.812)
    assert parse_wrk(WRK_OK.replace("261.44ms", "1.50m"))["p50_ms"] == 90_000.0
    with pytest.raises(ValueError):
        parse_wrk("wrk: connection refused")


def _fake_wrk(monkeypatch: pytest.MonkeyPatch, out: str) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0, stdout=out)

    monkeypatch.setattr(bench.http.shutil, "which", lambda name: "/usr/bin/wrk")
    monkeypatch.setattr(bench.http.subprocess, "run", run)
    return calls


def test_wrk_passes_whole_seconds_and_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake_wrk(monkeypatch, WRK_OK)
    assert wrk("http://x/ping", 32, 20, timeout=60)["requests"] == 21
    wrk("http://x/ping", 1, 2)
    assert calls[0][1:] == ["-t1", "-c32", "-d20s", "--timeout=60s", "--latency", "http://x/ping"]
    assert "--timeout=2s" in calls[1]  # wrk's own default
    assert "-s" not in calls[0] + calls[1]


def test_wrk_passes_a_lua_script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = _fake_wrk(monkeypatch, WRK_OK)
    script = tmp_path / "orders.lua"
    wrk("http://x", 8, 5, timeout=60, script=script)
    assert calls[0][1:] == [
        "-t1",
        "-c8",
        "-d5s",
        "--timeout=60s",
        "-s",
        str(script),
        "--latency",
        "http://x",
    ]


def test_served_refuses_non_2xx_and_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_wrk(monkeypatch, WRK_OK)
    assert served("http://x/ping", 1, 1) == {"rps": 3.49, "p50_ms": 261.44, "p99_ms": 350.98}
    rejected = WRK_OK.replace("Requests/sec", "  Non-2xx or 3xx responses: 4\nRequests/sec")
    _fake_wrk(monkeypatch, rejected)
    with pytest.raises(RuntimeError, match="4 non-2xx responses"):
        served("http://x/ping", 1, 1)
    _fake_wrk(monkeypatch, WRK_ALL_TIMED_OUT.replace("  Non-2xx or 3xx responses: 3\n", ""))
    with pytest.raises(RuntimeError, match="no answer within 2s"):
        served("http://x/ping", 1, 1)


def test_server_yields_once_ready_and_stops(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    with server(argv, f"http://127.0.0.1:{port}/", 20, cwd=tmp_path) as running:
        assert running.process.poll() is None and 0 < running.ready_s < 20
    assert running.process.returncode is not None


def test_server_that_exits_fails_with_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; sys.exit('no such project')"]
    log = tmp_path / "server.log"
    ready = server(argv, f"http://127.0.0.1:{free_port()}/", 20, log=log)
    with pytest.raises(ServerFailed, match="exited with code 1: no such project"), ready:
        pass


def test_server_that_never_answers_times_out() -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(30)"]
    ready = server(argv, f"http://127.0.0.1:{free_port()}/", 1)
    with pytest.raises(ServerFailed, match="did not answer 200 within 1s"), ready:
        pass


@pytest.mark.parametrize("argv_of", [bench.http.bare_argv, bench.http.bare_asgi_argv])
def test_both_floors_answer_the_same_ping(argv_of: Any) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/ping"
    with server(argv_of(port), url, 20), urllib.request.urlopen(url, timeout=10) as response:
        answer = (response.status, response.headers["content-type"], response.read())
    assert answer == (200, "application/json", b'{"ok": true}')

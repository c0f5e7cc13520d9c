"""bench/motia.py (the Steppe vs Motia section), without Motia."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import bench.motia
from bench.motia import (
    REPO,
    TEMPLATES,
    Budget,
    OutOfTime,
    Plan,
    Target,
    Unavailable,
    advantage,
    chain_script,
    count_keys,
    install_motia,
    motia_markdown,
    run_chain,
    warm_chain,
    write_project,
)


def test_count_keys_reads_both_state_listings() -> None:
    assert count_keys(["ab-1", "ab-2", "zz-1"], "ab-") == 2  # Motia: keys
    assert count_keys([{"key": "ab-1", "value": {}}, {"key": "x"}], "ab-") == 1  # Steppe
    assert count_keys({"error": "nope"}, "ab-") == 0


def test_advantage() -> None:
    assert advantage(900.0, 3.0, higher_is_better=True) == 300.0
    assert advantage(1.0, 250.0, higher_is_better=False) == 250.0
    assert advantage(None, 3.0, higher_is_better=True) is None
    assert advantage(5.0, 0.0, higher_is_better=True) is None


def test_budget_clamps_and_runs_out() -> None:
    budget = Budget(10)
    assert budget.clamp(3) == 3
    assert 9 < budget.clamp(60) <= 10
    with pytest.raises(OutOfTime):
        budget.clamp(5, minimum=11)


def test_write_project_and_typescript_fallback(tmp_path: Path) -> None:
    files = write_project(tmp_path)
    assert set(TEMPLATES) <= set(files)
    assert (tmp_path / "steps" / "record_order.step.py").exists()
    files = write_project(tmp_path, python_step=False)
    assert not (tmp_path / "steps" / "record_order.step.py").exists()
    assert "steps/record-order.step.ts" in files
    assert "state.set('bench-chain'" in (tmp_path / "steps/record-order.step.ts").read_text()


def test_install_refuses_a_folder_inside_the_repository() -> None:
    with pytest.raises(Unavailable, match="inside the repository"):
        install_motia(REPO / "bench")


def test_markdown_reports_an_install_failure() -> None:
    section = {
        "motia_version": None,
        "motia_error": "Motia could not be installed: npm install failed",
        "notes": [],
        "plan": {"wrk_timeout": 60},
    }
    text = "\n".join(motia_markdown({"motia": section}))
    assert "Motia could not be installed: npm install failed" in text
    assert motia_markdown({}) == []


def test_markdown_ratios_use_this_run_figures() -> None:
    run = {
        "command": "x",
        "ready_s": 1.0,
        "procs": {"peak_32": 3},
        "api": {
            "1": {"rps": 4.0, "p50_ms": 250.0, "p99_ms": 300.0, "timeouts": 0, "non_2xx": 0},
            "32": {"rps": 3.0, "p50_ms": 8000.0, "p99_ms": 9000.0, "timeouts": 2, "non_2xx": 0},
        },
        "chain": {
            "accepted": 26,
            "arrived": 26,
            "complete": True,
            "non_2xx": 0,
            "timeouts": 1,
            "clients": 8,
            "load_seconds": 10,
            "seconds": 14.2,
            "post_rps": 2.6,
            "post_p50_ms": 3000.0,
            "post_p99_ms": 6000.0,
            "events_per_s": 6,
        },
        "rss_mib": {"idle": 400.0, "peak_32": 2600.0, "peak_chain": 1000.0},
    }
    steppe = run | {
        "api": {"1": {"rps": 1000.0, "p50_ms": 1.0, "p99_ms": 2.0}},
        "chain": run["chain"]
        | {"events_per_s": 600.0, "timeouts": 0, "post_p99_ms": 4.0}
        | {"accepts": 1200.0, "accept_p50_ms": 0.1, "accept_p99_ms": 5.0},
        "rss_mib": {"idle": 200.0, "peak_32": 260.0, "peak_chain": 250.0},
    }
    results = {
        "motia": {
            "motia_version": "0.2.2",
            "third_step": "python",
            "motia": run,
            "steppe": steppe,
            "notes": [],
            "plan": {"wrk_timeout": 60, "chain_clients": 8},
        },
        "api": {"ts": {"1": {"rps": 2000.0}, "32": {"rps": 3000.0}}},
        "chain": {"memory": {"events_per_s": 9000.0}},
    }
    text = "\n".join(motia_markdown(results))
    assert "Steppe vs Motia 0.2.2" in text
    assert "| GET /ping req/s, 1 conn | 4.0 | 1,000.0 | 250.0x |" in text
    assert "| GET /ping p50 ms, 1 conn | 250.00 | 1.00 | 250.0x |" in text
    assert "| GET /ping req/s, 32 conn | 3.0 | — | — |" in text
    assert "| chain events/s (POST /orders → JS → Python) | 6.0 | 600.0 | 100.0x |" in text
    assert "| process tree RSS MiB, peak at 32 conn | 2,600 | 260 | 10.0x |" in text
    assert (
        "| POST /orders p99 ms in the chain (the POST's latency), 8 conn | 6,000.00 | 4.00 "
        "| 1,500.0x |" in text
    )
    accept = "durable accept {} ms in the chain (`steppe_emit_accept_seconds`), 8 conn"
    assert f"| {accept.format('p50')} | — | ≤ 0.10 | — |" in text
    assert f"| {accept.format('p99')} | — | ≤ 5.00 | — |" in text
    assert "- Steppe: 1,200 durable accepts while wrk ran" in text
    assert text.count("durable accepts while wrk ran") == 1  # Motia has no such metric
    assert "`api` section, ts | 3.0 | 3,000.0 | 1,000.0x |" in text
    assert "`chain` section, memory | 6.0 | 9,000.0 | 1,500.0x |" in text
    assert "2 wrk timeouts" in text
    assert (
        "- Motia (x): 26 orders through the chain (26 answered before wrk stopped; those "
        "in flight then may arrive too) in 14.2 s "
        "(10 s of wrk at 8 connections, 2.6 POST/s); ready in 1.0 s; "
        "3 processes at most under 32 conns." in text
    )
    assert "- Motia, POST /orders in the chain: 1 wrk timeouts (> 60 s), 0 non-2xx." in text
    assert "- Steppe, POST /orders in the chain" not in text


def test_a_failed_install_is_reported_and_steppe_still_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_npm(workdir: Path, timeout: float = 0) -> str:
        raise Unavailable("npm install failed with exit code 1: E404")

    measured: list[str] = []

    def fake_measure(target: object, plan: object, budget: object, logs: Path) -> dict[str, str]:
        measured.append(getattr(target, "name", "?"))
        return {"command": "steppe start"}

    said: list[str] = []
    monkeypatch.setattr(bench.motia, "install_motia", no_npm)
    monkeypatch.setattr(bench.motia, "measure", fake_measure)
    out = bench.motia.run_motia(quick=True, say=said.append)
    assert said == ["Motia could not be installed: npm install failed with exit code 1: E404"]
    assert out["motia_error"] == said[0] and out["motia_version"] is None
    assert measured == ["steppe"] and "motia" not in out
    assert not Path(out["workdir"]).exists()


def test_plan_posts_orders_for_a_fixed_duration() -> None:
    assert (Plan.for_mode(True).chain_seconds, Plan.for_mode(False).chain_seconds) == (5, 10)
    assert Plan.for_mode(True).chain_clients == 8


def test_chain_script_numbers_each_order() -> None:
    script = chain_script("ab12cd34-")
    assert "request = function" in script
    assert "counter = counter + 1" in script
    assert """'{"id":"ab12cd34-' .. counter .. '","quantity":1}'""" in script
    assert 'wrk.format("POST", "/orders", headers, body)' in script
    assert '["Content-Type"] = "application/json"' in script


class _Orders:
    """A tiny stand-in for a framework: POST /orders records the order's id (refused
    with 503 when `refuse`), GET /state lists the ids as Motia lists keys, GET
    /metrics has an accept histogram with one accept per order (under 1 ms)."""

    def __init__(self, refuse: bool = False) -> None:
        self.ids: set[str] = set()
        self.lock = threading.Lock()
        self.refuse = refuse

    def handler(self) -> type[BaseHTTPRequestHandler]:
        orders = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                order = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/orders" or orders.refuse:
                    self._send(503, {"error": "no"})
                    return
                with orders.lock:
                    orders.ids.add(order["id"])
                self._send(201, order)

            def do_GET(self) -> None:
                with orders.lock:
                    keys = sorted(orders.ids)
                if self.path == "/metrics":
                    text = "".join(
                        f'steppe_emit_accept_seconds_bucket{{le="{le}"}} {n}\n'
                        for le, n in (("0.0005", 0), ("0.001", len(keys)), ("+Inf", len(keys)))
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return
                self._send(200, keys)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def orders_server() -> Iterator[tuple[str, _Orders]]:
    orders = _Orders()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), orders.handler())
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", orders
    finally:
        httpd.shutdown()
        httpd.server_close()


TINY = Target("tiny", "tiny", lambda port: [], REPO, {}, "/state", {})


def test_warm_chain_posts_one_order(orders_server: tuple[str, _Orders]) -> None:
    base, orders = orders_server
    assert warm_chain(base, TINY, 5)
    assert len(orders.ids) == 1
    orders.refuse = True
    assert not warm_chain(base, TINY, 5)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_run_chain_counts_every_accepted_order(orders_server: tuple[str, _Orders]) -> None:
    base, orders = orders_server
    began = time.monotonic()
    chain = run_chain(base, TINY, clients=2, seconds=1, timeout=10, wrk_timeout=5)
    assert time.monotonic() - began < 5
    assert chain["accepted"] > 0 and chain["non_2xx"] == 0 and chain["timeouts"] == 0
    # Every order had its own id: the server recorded as many as wrk saw accepted.
    assert chain["complete"] and chain["arrived"] == len(orders.ids) >= chain["accepted"]
    assert (chain["clients"], chain["load_seconds"]) == (2, 1)
    assert chain["post_rps"] > 0 and chain["seconds"] >= 1
    assert chain["events_per_s"] == pytest.approx(3 * chain["arrived"] / chain["seconds"])
    assert "accepts" not in chain  # TINY has no metrics


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_run_chain_reads_the_accepts_made_while_wrk_ran(
    orders_server: tuple[str, _Orders],
) -> None:
    base, orders = orders_server
    orders.ids.update({"earlier-1", "earlier-2"})  # accepted before: not counted
    target = replace(TINY, metrics_path="/metrics")
    chain = run_chain(base, target, clients=2, seconds=1, timeout=10, wrk_timeout=5)
    # Those wrk saw answered, and at most those recorded by the end (some in flight).
    assert len(orders.ids) - 2 >= chain["accepts"] >= chain["accepted"] > 0
    assert chain["accept_p50_ms"] == chain["accept_p99_ms"] == pytest.approx(1.0)


def test_run_chain_without_an_accepted_order_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripts: list[str] = []

    def refused(
        url: str, connections: int, seconds: float, timeout: float, script: Path
    ) -> dict[str, float]:
        scripts.append(script.read_text())
        return {"rps": 4.0, "requests": 4, "non_2xx": 3, "timeouts": 1}

    monkeypatch.setattr(bench.motia, "wrk", refused)
    with pytest.raises(Unavailable, match="tiny: no order accepted by POST /orders in 2 s"):
        run_chain("http://127.0.0.1:9", TINY, clients=2, seconds=2, timeout=10)
    assert "request = function" in scripts[0]

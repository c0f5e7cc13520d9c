"""The `otel` section: API requests/s and chain events/s with OpenTelemetry export on
(to a local OTLP/HTTP receiver that accepts and drops everything) against off, in one
run. Off and on are measured one right after the other, in alternating order, so a
ratio compares figures taken seconds apart (see `http.api_figures`)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import trio

from bench.chain import chain_figures
from bench.http import API_PATHS, WARM_UP, free_port, served, server, steppe_argv
from bench.projects import BENCH_PROJECT
from bench.report import table
from bench.stats import median

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
CONNECTIONS = 32


class _Drop(BaseHTTPRequestHandler):
    """Reads each export request and answers 200, counting the requests."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).received += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def noop_receiver() -> Iterator[tuple[str, type[_Drop]]]:
    """An OTLP/HTTP endpoint on 127.0.0.1 that drops what it gets, and its counter."""
    handler = type("Drop", (_Drop,), {"received": 0})
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{receiver.server_address[1]}", handler
    finally:
        receiver.shutdown()
        receiver.server_close()


def _api(endpoint: str, seconds: float, rounds: int) -> dict[str, float]:
    """One Steppe without export and one with, serving the Python ping step."""
    off_port, on_port = free_port(), free_port()
    path = API_PATHS["py"]
    off, on = f"http://127.0.0.1:{off_port}{path}", f"http://127.0.0.1:{on_port}{path}"
    plain = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    exporting = plain | {ENDPOINT_VARIABLE: endpoint}
    with (
        TemporaryDirectory() as copy,  # a second server needs a data folder of its own
        server(steppe_argv(BENCH_PROJECT, off_port), off, env=plain),
        server(steppe_argv(_copy(Path(copy)), on_port), on, env=exporting),
    ):
        served(off, *WARM_UP)
        served(on, *WARM_UP)
        pairs = []
        for round_ in range(rounds):
            order = [("off", off), ("on", on)]
            if round_ % 2:
                order.reverse()
            pairs.append({name: served(url, CONNECTIONS, seconds)["rps"] for name, url in order})
    return _ratio(pairs)


def _copy(folder: Path) -> Path:
    """The benchmark project's files (not its data folder) in `folder`."""
    shutil.copytree(BENCH_PROJECT / "steps", folder / "steps")
    shutil.copy(BENCH_PROJECT / "steppe.toml", folder)
    return folder


def _chain(endpoint: str, chains: int, rounds: int) -> dict[str, float]:
    """The TS → Python → Ruby chain in this process (memory stores), export off and on."""
    pairs = []
    for round_ in range(rounds):
        order = ["off", "on"] if round_ % 2 == 0 else ["on", "off"]
        pair = {}
        for name in order:
            with _environment(ENDPOINT_VARIABLE, endpoint if name == "on" else None):
                pair[name] = trio.run(chain_figures, "memory", chains)["events_per_s"]
        pairs.append(pair)
    return _ratio(pairs)


@contextmanager
def _environment(name: str, value: str | None) -> Iterator[None]:
    before = os.environ.pop(name, None)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)
        if before is not None:
            os.environ[name] = before


def _ratio(pairs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "off": median([p["off"] for p in pairs]),
        "on": median([p["on"] for p in pairs]),
        "ratio": median([p["on"] / p["off"] for p in pairs]),
    }


def otel_figures(quick: bool) -> dict[str, Any]:
    seconds, chains, rounds = (2, 1000, 2) if quick else (3, 5000, 4)
    with noop_receiver() as (endpoint, receiver):
        figures = {
            "api": _api(endpoint, seconds, rounds),
            "chain": _chain(endpoint, chains, rounds),
        }
        if not receiver.received:
            raise RuntimeError("export was on, but the OTLP receiver got nothing")
    return figures | {"export_requests": receiver.received}


def otel_markdown(results: dict[str, Any] | None) -> list[str]:
    if not results:
        return []
    rows = (
        (f"API requests/s ({CONNECTIONS} conns, Python step)", results["api"]),
        ("chain events/s (TS → Python → Ruby, memory)", results["chain"]),
    )
    return table(
        ("OpenTelemetry export", "off", "on", "on / off"),
        ((name, f"{f['off']:,.0f}", f"{f['on']:,.0f}", f"{f['ratio']:.2f}") for name, f in rows),
    )

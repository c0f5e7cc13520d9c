"""The `redis` section (docs/reference.md §11): Steppe with every store on Redis beside the SQLite
figures, and BullMQ on the same redis-server as the anchor.

Measured in one run, on a redis-server of the bench's own (no persistence, a free
port, a temporary folder): the TS → Python → Ruby chain's events/s and POST-to-final-
state p50/p99 on Redis in process (as `chain` does for SQLite), with the Redis round
trips per delivered event; `steppe start --workers 1` and `--workers 2` over HTTP: API
requests/s (wrk on `/ping/ts`) and chain events/s (wrk POSTing `/chain/N`, counted when
every chain's last state write is in Redis); BullMQ's three-queue chain (npm
`bullmq`, installed into a temporary folder like Motia, bench/motia.py).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis as redis_py
import trio

from bench.chain import GROUP, PRODUCERS, STEPS_PER_CHAIN, chain_figures, chain_latency
from bench.cpu import cpu_seconds
from bench.http import free_port, served, server, steppe_argv, wrk
from bench.projects import BENCH_PROJECT
from bench.report import table
from orchestrator.model.settings import REDIS_URL_VARIABLE

BULLMQ_PACKAGE = "bullmq@5"
HERE = Path(__file__).parent
# wrk's one Lua state serves every connection: a counter numbers the chains.
_CHAIN_SCRIPT = (
    'n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format("POST", "/chain/" .. n)\nend\n'
)


@contextmanager
def redis_server() -> Iterator[tuple[str, int, int]]:
    """A redis-server with no persistence on a free port; (host, port, pid)."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is missing: apt-get install redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="steppe-bench-redis-") as folder:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            client = redis_py.Redis(port=port)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis_py.ConnectionError:
                    time.sleep(0.05)
            yield "127.0.0.1", port, process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def _project(folder: Path, url: str, prefix: str) -> Path:
    """The bench project with every store on Redis, under `prefix`."""
    project = folder / "project"
    shutil.copytree(BENCH_PROJECT, project, ignore=shutil.ignore_patterns(".steppe"))
    (project / "steppe.toml").write_text(
        f'backend = "redis"\nredis_url = "{url}"\nredis_prefix = "{prefix}"\n'
    )
    return project


def _workers_figures(url: str, workers: int, seconds: float, folder: Path) -> dict[str, float]:
    """`steppe start --workers N` on Redis: API requests/s, and chain events/s over HTTP."""
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    project = _project(folder / f"w{workers}-{prefix}", url, prefix)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [*steppe_argv(project, port), "--workers", str(workers)]
    with server(argv, f"{base}/ping/ts", timeout=60):
        served(f"{base}/ping/ts", 4, 2)  # warm every worker's runners
        api = served(f"{base}/ping/ts", 32, seconds)
        script = folder / "chain.lua"
        script.write_text(_CHAIN_SCRIPT)
        began = time.perf_counter()
        posted = wrk(base, 32, seconds, script=script)
        if posted["non_2xx"]:
            raise RuntimeError(f"POST /chain/N: {posted['non_2xx']} non-2xx answers")
        client = redis_py.Redis.from_url(url)
        key = f"{prefix}:state:{GROUP}"
        deadline = time.monotonic() + 120
        while client.hlen(key) < posted["requests"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{posted['requests'] - client.hlen(key)} chains never arrived")
            time.sleep(0.01)
        elapsed = time.perf_counter() - began
    return {
        "api_rps": api["rps"],
        "chain_events_per_s": posted["requests"] * STEPS_PER_CHAIN / elapsed,
    }


def _bullmq(host: str, port: int, redis_pid: int, chains: int, folder: Path) -> dict[str, float]:
    """BullMQ's three-queue chain, installed into `folder` with npm; events/s, and the
    CPU per event of its Node process (start-up included) and of redis-server."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise RuntimeError("node and npm are needed for BullMQ")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", BULLMQ_PACKAGE],
        cwd=folder, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    shutil.copy(HERE / "bullmq_chain.mjs", folder / "chain.mjs")
    node_before = _children_cpu()
    redis_before = cpu_seconds(redis_pid)
    out = subprocess.run(
        ["node", "chain.mjs", host, str(port), str(chains)],
        cwd=folder, check=True, capture_output=True, text=True, timeout=300,
    ).stdout  # fmt: skip
    node, store = _children_cpu() - node_before, cpu_seconds(redis_pid) - redis_before
    result = json.loads(out.strip().splitlines()[-1])
    return {
        "events_per_s": result["events"] / result["seconds"],
        "cpu_us_per_event_node": node / result["events"] * 1e6,
        "cpu_us_per_event_store": store / result["events"] * 1e6,
    }


def _children_cpu() -> float:
    """CPU seconds of this process's children that ended (the BullMQ run, once waited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_redis(quick: bool) -> dict[str, Any]:
    chains, samples, seconds = (1000, 100, 2.0) if quick else (5000, 300, 5.0)
    out: dict[str, Any] = {}
    with redis_server() as (host, port, pid), tempfile.TemporaryDirectory() as tmp:
        url = f"redis://{host}:{port}/0"
        os.environ[REDIS_URL_VARIABLE] = url  # bench.chain's Redis settings read it
        out["chain"] = trio.run(chain_figures, "redis", chains, PRODUCERS, pid)
        latency = trio.run(chain_latency, "redis", samples)
        out["chain"] |= {f"latency_{key}": value for key, value in latency.items()}
        for workers in (1, 2):
            out[f"workers_{workers}"] = _workers_figures(url, workers, seconds, Path(tmp))
        bull = Path(tmp) / "bullmq"
        bull.mkdir()
        out["bullmq"] = _bullmq(host, port, pid, chains, bull)
    out["vs_bullmq"] = out["chain"]["events_per_s"] / out["bullmq"]["events_per_s"]
    out["workers_2_vs_1_api"] = out["workers_2"]["api_rps"] / out["workers_1"]["api_rps"]
    return out


def redis_markdown(results: Mapping[str, Any]) -> list[str]:
    figures = results.get("redis")
    if not figures:
        return []
    chain = figures["chain"]
    lines = table(
        ("on Redis", "chain events/s", "POST → final state p50 ms", "p99 ms", "API req/s",
         "round trips / event"),
        (
            ("in process", f"{chain['events_per_s']:,.0f}", f"{chain['latency_p50_ms']:.2f}",
             f"{chain['latency_p99_ms']:.2f}", "—", f"{chain.get('round_trips_per_event', 0):.2f}"),
            *((f"--workers {n}", f"{figures[f'workers_{n}']['chain_events_per_s']:,.0f}", "—",
               "—", f"{figures[f'workers_{n}']['api_rps']:,.0f}", "—") for n in (1, 2)),
            ("BullMQ (3 queues)", f"{figures['bullmq']['events_per_s']:,.0f}", "—", "—", "—",
             "—"),
        ),
    )  # fmt: skip
    lines += _cpu_table(chain, figures["bullmq"])
    lines.append(
        f"Steppe on Redis / BullMQ: {figures['vs_bullmq']:.2f}x; --workers 2 / 1 API "
        f"requests/s: {figures['workers_2_vs_1_api']:.2f}x"
    )
    lines.append("")
    return lines


def _cpu_table(chain: Mapping[str, float], bull: Mapping[str, float]) -> list[str]:
    """Where each event's CPU goes: Steppe's processes and BullMQ's, beside redis-server."""
    steppe = [chain.get(f"cpu_us_per_event_{p}", 0.0) for p in ("orchestrator", "runners", "store")]
    node, store = bull.get("cpu_us_per_event_node", 0.0), bull.get("cpu_us_per_event_store", 0.0)
    return table(
        ("CPU µs per event", "Steppe's or BullMQ's processes", "redis-server", "total"),
        (
            ("Steppe on Redis, in process",
             f"{steppe[0]:.0f} orchestrator + {steppe[1]:.0f} runners", f"{steppe[2]:.0f}",
             f"{sum(steppe):.0f}"),
            ("BullMQ (3 queues)", f"{node:.0f} node (start-up included)", f"{store:.0f}",
             f"{node + store:.0f}"),
        ),
    )  # fmt: skip

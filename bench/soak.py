"""`make soak`: mixed API calls and emits against `steppe start` for ten minutes, with one
runner killed every 30 s and hostile requests mixed in (a body nested 127 levels deep,
a thrown bare object, a 5 MB print with a fork, a fan-out emit loop, and a Node handler
that never yields, every two minutes). Reports requests served, events lost (must be
0), p99 latency, the hostile requests' statuses, and the RSS of the process tree at the
start and the end.

The start is taken after a warm-up with the same mix (clients and hostile requests; no
kills, no spin), which lasts until the server's bounded caches are full, checked rather
than guessed: the tracer holds its `MAX_TRACES` traces, the trace budget has seen
`TRACKED_TRACES` traces with deliveries (one per accepted event, so that many accepted),
and the log tail has dropped its oldest entries (the oldest `seq` it holds is past 1).
Until then the RSS climbs by design, and a baseline taken earlier measures the caches
filling, not a leak. The warm-up lasts at least WARMUP_MIN_SECONDS and at most
WARMUP_MAX_SECONDS; `warmup` in the results says how long it took and whether every
cache was full.

`python -m bench.soak [--seconds N]` (600 by default); writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import trio
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bench.http import free_port, server, steppe_argv
from bench.stats import percentile
from bench.tree import proc_table, tree_rss_mib
from orchestrator.core.tracing import MAX_TRACES
from orchestrator.services.trace_budget import TRACKED_TRACES

SOAK_PROJECT = Path(__file__).parent / "soak_project"
RESULTS = Path(__file__).parent / "results"
TOKEN = "soak-token-not-a-secret"
LANGS = ("ts", "py", "rb")
WORKERS = 16
KILL_EVERY = 30.0
HOSTILE_EVERY = 2.0
SPIN_EVERY = 120.0
DEEP_BODY = '{"in":' * 127 + "1" + "}" * 127
HOSTILE = (
    ("deep", "POST", "/hostile/deep", DEEP_BODY),
    ("throw", "GET", "/hostile/throw", None),
    ("print", "GET", "/hostile/print", None),
    ("loop", "POST", "/hostile/loop", "{}"),
)
WARMUP_MIN_SECONDS = 30.0
WARMUP_MAX_SECONDS = 300.0
ADMIN = {"authorization": f"Bearer {TOKEN}"}
console = Console()


class Tally:
    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.accepted: set[str] = set()
        self.hostile: dict[str, dict[str, int]] = {}

    def hostile_answer(self, name: str, outcome: str) -> None:
        counts = self.hostile.setdefault(name, {})
        counts[outcome] = counts.get(outcome, 0) + 1


async def _client_loop(client: httpx.AsyncClient, deadline: float, tally: Tally) -> None:
    while trio.current_time() < deadline:
        began = time.perf_counter()
        try:
            if random.random() < 0.3:
                work_id = uuid.uuid4().hex
                response = await client.post("/work", json={"id": work_id})
                if response.status_code == 202:
                    tally.accepted.add(work_id)
            else:
                response = await client.get("/ping")
        except httpx.HTTPError:
            tally.errors += 1
            continue
        tally.latencies_ms.append((time.perf_counter() - began) * 1000)
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1


async def _hostile(
    client: httpx.AsyncClient, deadline: float, tally: Tally, *, spin: bool = True
) -> None:
    """One hostile request every HOSTILE_EVERY seconds, in turn; a spin now and then."""
    turn = 0
    next_spin = trio.current_time() + SPIN_EVERY if spin else float("inf")
    headers = {"content-type": "application/json"}
    while trio.current_time() + HOSTILE_EVERY < deadline:
        await trio.sleep(HOSTILE_EVERY)
        name, method, path, body = HOSTILE[turn % len(HOSTILE)]
        if trio.current_time() >= next_spin:
            name, method, path, body = "spin", "GET", "/hostile/spin", None
            next_spin += SPIN_EVERY
        turn += 1
        try:
            response = await client.request(method, path, content=body, headers=headers)
            tally.hostile_answer(name, str(response.status_code))
        except httpx.HTTPError as exc:
            tally.hostile_answer(name, type(exc).__name__)


def _runner_pids(server_pid: int) -> list[int]:
    """The runners: the orchestrator's own children (not their children, such as the
    Node runner's esbuild service, which a runner restart does not exercise)."""
    return sorted(pid for pid, proc in proc_table().items() if proc.ppid == server_pid)


async def _killer(server_pid: int, deadline: float, kills: list[int]) -> None:
    while trio.current_time() + KILL_EVERY < deadline:
        await trio.sleep(KILL_EVERY)
        runners = _runner_pids(server_pid)
        if runners:
            victim = runners[len(kills) % len(runners)]
            os.kill(victim, signal.SIGKILL)
            kills.append(victim)


async def _sample_rss(server_pid: int, deadline: float, samples: list[float]) -> None:
    """The tree's RSS once a minute, to show a trend rather than two points."""
    while trio.current_time() + 60 < deadline:
        await trio.sleep(60)
        samples.append(tree_rss_mib(server_pid).mib)


async def _caches_full(client: httpx.AsyncClient, accepted: int) -> dict[str, bool]:
    """Which of the server's bounded caches are full (see the module's docstring)."""
    traces = await client.get("/__steppe/api/traces", params={"limit": MAX_TRACES}, headers=ADMIN)
    oldest = None
    before: int | None = None
    while True:  # page back to the oldest log entry the tail still holds
        params = {"limit": 2000} if before is None else {"limit": 2000, "before": before}
        page = (await client.get("/__steppe/api/logs", params=params, headers=ADMIN)).json()
        if not page:
            break
        oldest = before = page[0]["seq"]
    return {
        "tracer": len(traces.json()) >= MAX_TRACES,
        "trace_budget": accepted >= TRACKED_TRACES,
        "log_tail": oldest is not None and oldest > 1,
    }


async def _warm_up(client: httpx.AsyncClient, tally: Tally) -> dict[str, Any]:
    """The soak's mix, without kills, until the caches are full (or WARMUP_MAX_SECONDS)."""
    began = trio.current_time()
    full: dict[str, bool] = {}
    async with trio.open_nursery() as nursery:
        endless = began + 10 * WARMUP_MAX_SECONDS  # cancelled once the caches are full
        for _ in range(WORKERS):
            nursery.start_soon(_client_loop, client, endless, tally)
        nursery.start_soon(partial(_hostile, client, endless, tally, spin=False))
        await trio.sleep(WARMUP_MIN_SECONDS)
        while trio.current_time() - began < WARMUP_MAX_SECONDS:
            full = await _caches_full(client, len(tally.accepted))
            if all(full.values()):
                break
            await trio.sleep(5)
        nursery.cancel_scope.cancel()
    return {"seconds": round(trio.current_time() - began, 1), "caches_full": full}


async def _handled(client: httpx.AsyncClient) -> dict[str, set[str]]:
    out = {}
    for lang in LANGS:
        response = await client.get(f"/__steppe/api/state/soak-{lang}", headers=ADMIN)
        out[lang] = {entry["key"] for entry in response.json()}
    return out


def soak(seconds: float) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="steppe-soak-"))
    project = workdir / "project"
    shutil.copytree(SOAK_PROJECT, project)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "STEPPE_ADMIN_TOKEN": TOKEN}
    argv = steppe_argv(project, port)
    with server(argv, f"{url}/ping", 60, env=env, log=workdir / "server.log") as running:
        return trio.run(_soak, url, running.process.pid, seconds)


async def _soak(url: str, server_pid: int, seconds: float) -> dict[str, Any]:
    tally, kills = Tally(), list[int]()
    limits = httpx.Limits(max_connections=WORKERS)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        # Warm up with the same mixed load first: caches, JIT and SQLite's page cache
        # grow once; the question is whether anything grows after that (a leak).
        warmup = Tally()
        warmup_report = await _warm_up(client, warmup)
        tally.accepted |= warmup.accepted
        rss_start = tree_rss_mib(server_pid).mib
        rss_samples = [rss_start]
        deadline = trio.current_time() + seconds
        with Progress(
            TextColumn("soak"), BarColumn(), TimeRemainingColumn(), console=console
        ) as progress:
            task = progress.add_task("soak", total=seconds)
            async with trio.open_nursery() as nursery:
                for _ in range(WORKERS):
                    nursery.start_soon(_client_loop, client, deadline, tally)
                nursery.start_soon(_killer, server_pid, deadline, kills)
                nursery.start_soon(_hostile, client, deadline, tally)
                nursery.start_soon(_sample_rss, server_pid, deadline, rss_samples)
                while trio.current_time() < deadline:
                    await trio.sleep(1)
                    progress.update(task, completed=seconds - (deadline - trio.current_time()))
        rss_end = tree_rss_mib(server_pid).mib
        with trio.move_on_after(120):
            while True:
                handled = await _handled(client)
                if all(tally.accepted <= handled[lang] for lang in LANGS):
                    break
                await trio.sleep(1)
    lost = {lang: len(tally.accepted - handled[lang]) for lang in LANGS}
    served = sum(tally.statuses.values())
    return {
        "seconds": seconds,
        "requests_served": served,
        "requests_per_s": served / seconds,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "client_errors": tally.errors,
        "events_accepted": len(tally.accepted),
        "events_lost": lost,
        "p50_ms": percentile(tally.latencies_ms, 0.5),
        "p99_ms": percentile(tally.latencies_ms, 0.99),
        "runner_kills": len(kills),
        "hostile": tally.hostile,
        "rss_start_mb": rss_start,
        "rss_end_mb": rss_end,
        "rss_growth": (rss_end - rss_start) / rss_start,
        "rss_samples_mb": [*rss_samples, rss_end],
        "warmup": warmup_report,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()
    results = soak(args.seconds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(results, indent=2) + "\n")
    console.print_json(data=results)
    if any(results["events_lost"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()

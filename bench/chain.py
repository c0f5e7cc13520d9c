"""The `chain` section: a 3-step cross-language chain (TS → Python → Ruby), per state
backend. Throughput: events per second with many producers publishing at once, as
many HTTP clients would (and, for comparison, with one producer that waits for each
publish to be durable before the next), with the durable accepts' p50 and p99 from
`steppe_emit_accept_seconds` meanwhile. Latency: from `POST /chain/:n` to the chain's
final state write being readable, one chain at a time."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

import trio

from bench.cpu import cpu_of
from bench.projects import BENCH_PROJECT
from bench.stats import bucket_figures, percentile, prometheus_buckets
from orchestrator.http.metrics import ACCEPT_METRIC, prometheus_text
from orchestrator.model.settings import REDIS_URL_VARIABLE, Settings
from orchestrator.services.context import EmitRequest
from orchestrator.wiring.server import Services, open_services

STEPS_PER_CHAIN = 3
GROUP = "bench-chain"  # ChainEnd records each arrival here
PRODUCERS = 32
# How often the latency probe looks for the final state write.
_POLL_SECONDS = 0.0002


@asynccontextmanager
async def serving(state: str, project: Path = BENCH_PROJECT) -> AsyncIterator[Services]:
    """`project` served in `start` mode with `state` (memory, sqlite, or redis on
    STEPPE_REDIS_URL under a prefix of its own) for its state and queue stores, in a
    data folder of its own."""
    redis = (
        {
            "redis_url": os.environ[REDIS_URL_VARIABLE],
            "redis_prefix": f"bench-{uuid.uuid4().hex[:8]}",
            "streams": "memory",
        }
        if state == "redis"
        else {}
    )
    with TemporaryDirectory() as data_dir:
        settings = replace(
            Settings(),
            port=0,
            state=state,
            queue=state,
            data_dir=str(Path(data_dir) / ".steppe"),
            **redis,
        )
        async with open_services(project, settings, "start", console_level="error") as s:
            yield s


async def chain_figures(
    state: str, chains: int, producers: int = PRODUCERS, store_pid: int | None = None
) -> dict[str, float]:
    """Publish `chains` events at the head of the chain from `producers` concurrent
    tasks and time until all settle. events_per_s counts every event delivered (three
    per chain); the CPU each process used per event while they ran (µs): the
    orchestrator, its runners, and the store's server (`store_pid`: redis-server);
    accept_p50_ms and accept_p99_ms bound the accepts' (`bucket_figures`), read as
    `/__steppe/metrics` has them before and after."""
    async with serving(state) as s:
        head = [s.runtime.project.steps["ChainStart"]]
        runners = [p.pid for p in s.runtime.pool.supervisors.values() if p.pid is not None]
        processes = {"orchestrator": [os.getpid()], "runners": runners}
        if store_pid is not None:
            processes["store"] = [store_pid]
        cpu = {name: sum(cpu_of(pids).values()) for name, pids in processes.items()}

        async def produce(first: int) -> None:
            for n in range(first, chains, producers):
                await s.bus.publish(EmitRequest("bench.chain.1", {"n": n}), head, f"{n:032x}", None)
                # An accept committed at once does not yield; an HTTP client's next
                # request would come after the loop ran the others.
                await trio.lowlevel.checkpoint()

        worker = getattr(s.bus.store, "worker", None)  # the Redis store's connection
        trips = worker.round_trips if worker is not None else 0
        accepts = await _accept_buckets(s)
        began = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for first in range(producers):
                nursery.start_soon(produce, first)
        await s.bus.wait_idle()
        elapsed = time.perf_counter() - began
        cpu = {name: sum(cpu_of(processes[name]).values()) - cpu[name] for name in cpu}
        arrived = len(await s.env.state.get_group(GROUP))
        trips = worker.round_trips - trips if worker is not None else 0
        accepted = bucket_figures(accepts, await _accept_buckets(s), "accept")
    if arrived != chains:
        raise RuntimeError(f"{chains - arrived} of {chains} chains did not arrive")
    events = chains * STEPS_PER_CHAIN
    figures = {"events_per_s": events / elapsed, "chains_per_s": chains / elapsed}
    figures |= {f"cpu_us_per_event_{name}": seconds / events * 1e6 for name, seconds in cpu.items()}
    figures |= accepted
    if worker is not None:  # every command sent, state writes included, per event
        figures["round_trips_per_event"] = trips / events
    return figures


async def _accept_buckets(s: Services) -> dict[float, float]:
    return prometheus_buckets(await prometheus_text(s.env), ACCEPT_METRIC)


async def _post(stream: trio.SocketStream, path: str) -> tuple[int, bytes]:
    """One keep-alive HTTP/1.1 POST with no body: (status, response body). A client of a
    few lines, since it shares the orchestrator's thread: a full client's own cost
    (httpx: ~2 ms a request here) would swamp what is measured."""
    await stream.send_all(
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: 0\r\n\r\n".encode()
    )
    received = b""
    while b"\r\n\r\n" not in received:
        received += await stream.receive_some(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(v) for k, _, v in (x.partition(":") for x in lines[1:]) if k.lower() == "content-length"
    )
    while len(body) < length:
        body += await stream.receive_some(65536)
    return int(lines[0].split()[1]), body


async def chain_latency(state: str, samples: int) -> dict[str, float]:
    """POST /chain/:n and wait until ChainEnd's state write for n is readable, one
    chain at a time: p50 and p99 in ms (resolution ~0.2 ms, the polling interval)."""
    async with serving(state) as s:
        host, port = s.url.removeprefix("http://").rsplit(":", 1)
        stream = await trio.open_tcp_stream(host, int(port))
        took: list[float] = []
        for n in range(samples + 20):  # the first 20 warm the route and the runners
            began = time.perf_counter()
            status, body = await _post(stream, f"/chain/{n}")
            if status != 202:
                raise RuntimeError(f"POST /chain/{n}: {status} {body!r}")
            with trio.fail_after(10):
                while await s.env.state.get(GROUP, str(n)) is None:
                    await trio.sleep(_POLL_SECONDS)
            took.append((time.perf_counter() - began) * 1000)
    measured = took[20:]
    return {"p50_ms": percentile(measured, 0.5), "p99_ms": percentile(measured, 0.99)}

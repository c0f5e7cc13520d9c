"""Invoke round trip per language next to a raw msgpack echo over a pipe (the floor),
and pipelined invocations per second."""

from __future__ import annotations

import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio

from bench.cpu import cpu_seconds
from bench.projects import quiet_runtime
from bench.stats import percentile
from orchestrator.core.types import Language
from orchestrator.rpc.session import RpcSession
from orchestrator.runtime.languages import runner_spec

EMPTY_STEPS: dict[Language, str] = {
    "node": "EmptyNode",
    "python": "EmptyPython",
    "ruby": "EmptyRuby",
}
# An echo request the size of a real invoke, so both sides move the same bytes.
ECHO_PARAMS = {
    "iid": 1,
    "path": "/project/steps/empty.step.ts",
    "fn": "handler",
    "input": {"n": 1},
    "ctx": {"traceId": "0" * 32, "step": "EmptyNode", "flows": []},
}


# Calls before measuring: enough for V8 and YJIT to have compiled the path (Node's
# async hooks take about 1,000 calls, BENCHMARKS.md "Node runner invoke, round two"),
# so that echo and invoke are both measured warm, as the api section warms its servers.
WARM_UP_CALLS = 2000


async def _warm_up(call: Callable[[], Awaitable[Any]]) -> None:
    for _ in range(WARM_UP_CALLS):
        await call()


Call = Callable[[], Awaitable[Any]]


async def _paired_latencies(calls: tuple[Call, Call], count: int) -> tuple[list[float], ...]:
    """`count` calls of each, one at a time and alternating (µs), so that both meet
    the same conditions: where the scheduler puts the processes on the two cores
    moved a lone echo's p50 between 18 and 45 µs from one run to the next."""
    samples: tuple[list[float], ...] = ([], [])
    for _ in range(count):
        for call, into in zip(calls, samples, strict=True):
            began = time.perf_counter()
            await call()
            into.append((time.perf_counter() - began) * 1e6)
    return samples


async def _throughput(call: Callable[[], Awaitable[Any]], seconds: float, width: int) -> float:
    done = 0
    deadline = trio.current_time() + seconds

    async def worker() -> None:
        nonlocal done
        while trio.current_time() < deadline:
            await call()
            done += 1

    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(width):
            nursery.start_soon(worker)
    return done / (time.perf_counter() - began)


@asynccontextmanager
async def _echo(language: Language) -> AsyncIterator[tuple[Call, int]]:
    """The language's echo program on a session of its own: (call, pid)."""
    spec = runner_spec(language)

    async def refuse(method: str, params: Any) -> Any:
        raise RuntimeError(method)

    process = await trio.lowlevel.open_process(
        list(spec.echo_argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=spec.environment(),
    )
    assert process.stdin is not None and process.stdout is not None
    session = RpcSession(
        process.stdin, process.stdout, on_request=refuse, on_note=lambda m, p: None, name="echo"
    )
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(session.serve)

            async def call() -> Any:
                # The same session code as an invoke, polling for quick answers included.
                return await session.call("ping", ECHO_PARAMS, spin_key="echo")

            yield call, process.pid
            nursery.cancel_scope.cancel()
    finally:
        process.kill()
        await process.wait()


async def paired_figures(language: Language, count: int, seconds: float) -> dict[str, Any]:
    """The echo and an invoke of the language's empty step, measured side by side
    (`_paired_latencies`): p50/p99 of one call at a time, each process's CPU time per
    call meanwhile (steadier than wall time on a shared machine), and calls/s with 256
    in flight, one after the other."""
    async with _echo(language) as (echo, echo_pid), quiet_runtime() as runtime:
        step = runtime.project.steps[EMPTY_STEPS[language]]

        async def invoke() -> Any:
            return await runtime.pool.invoke(
                language=language, path=step.path, owner=step.name, trace_id="0" * 32,
                step=step, input={"n": 1},
            )  # fmt: skip

        runner_pid = runtime.pool.supervisor(language).pid
        assert runner_pid is not None  # the runner is up: the files are loaded
        pids = (echo_pid, runner_pid)
        for call in (echo, invoke):
            await _warm_up(call)  # and the processes' start-up is over
        cpu = [cpu_seconds(pid) for pid in pids]
        samples = await _paired_latencies((echo, invoke), count)
        used = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu, strict=True)]
        return {
            name: {
                "p50_us": percentile(times, 0.5),
                "p99_us": percentile(times, 0.99),
                "runner_cpu_us": spent / count * 1e6,
                "per_s": await _throughput(call, seconds, 256),
            }
            for name, call, times, spent in zip(
                ("echo", "invoke"), (echo, invoke), samples, used, strict=True
            )
        }

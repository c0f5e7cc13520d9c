"""Invoke round trip per language next to a raw msgpack echo over a pipe (the floor),
and pipelined invocations per second."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Awaitable, Callable
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


async def _latencies(call: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    await _warm_up(call)
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - began) * 1e6)
    return samples


async def _figures(
    call: Callable[[], Awaitable[Any]], pid: int, count: int, seconds: float
) -> dict[str, float]:
    """p50/p99 of one call at a time, the runner's CPU time per call meanwhile (steadier
    than wall time on a shared machine), and calls/s with 256 in flight."""
    await _warm_up(call)  # and the process's start-up is over
    cpu = cpu_seconds(pid)
    samples = await _latencies(call, count)
    cpu_us = (cpu_seconds(pid) - cpu) / (count + WARM_UP_CALLS) * 1e6
    rate = await _throughput(call, seconds, 256)
    return {
        "p50_us": percentile(samples, 0.5),
        "p99_us": percentile(samples, 0.99),
        "runner_cpu_us": cpu_us,
        "per_s": rate,
    }


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


async def echo_figures(language: Language, count: int, seconds: float) -> dict[str, float]:
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

            figures = await _figures(call, process.pid, count, seconds)
            nursery.cancel_scope.cancel()
    finally:
        process.kill()
        await process.wait()
    return figures


async def invoke_figures(language: Language, count: int, seconds: float) -> dict[str, float]:
    async with quiet_runtime() as runtime:
        step = runtime.project.steps[EMPTY_STEPS[language]]

        async def call() -> Any:
            return await runtime.pool.invoke(
                language=language, path=step.path, owner=step.name, trace_id="0" * 32,
                step=step, input={"n": 1},
            )  # fmt: skip

        pid = runtime.pool.supervisor(language).pid
        assert pid is not None  # the runner is up: the files are loaded
        return await _figures(call, pid, count, seconds)

"""One step's handler called with a recording context, inside a test run: what
`steppe run` does (cli/run_once.py), on the runners the test server already has.

Emits are checked and recorded, not delivered; state and streams are fresh memory
stores of the run's own; the log entries of the run's trace come back with it.
"""

from __future__ import annotations

from typing import Any

import trio

from orchestrator.cli.run_once import run_step
from orchestrator.core.types import JSON
from orchestrator.services.bus import EventBus
from orchestrator.wiring.runtime import Runtime


async def run_unit(
    runtime: Runtime,
    bus: EventBus,
    lock: trio.Lock,
    step: str,
    data: JSON,
    params: dict[str, str],
    query: dict[str, str],
) -> dict[str, Any]:
    """`{step, traceId, result, emits, stateWrites, logs}`; raises what `run_step` raises.

    `run_step` points the runners' context calls at its recording stores, so the bus
    is let go idle first (a delivery still running would write into the recording)
    and the test server's own router is put back afterwards."""
    entries: list[dict[str, Any]] = []
    async with lock:
        await bus.wait_idle()
        saved = runtime.host.router
        unsubscribe = runtime.host.logs.subscribe(entries.append)
        try:
            report = await run_step(runtime, step, data, params, query)
        finally:
            runtime.host.router = saved
            unsubscribe()
    answer = report.as_json()
    answer["logs"] = [e for e in entries if e.get("traceId") == report.trace_id]
    return answer

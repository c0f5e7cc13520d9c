"""Events per second through a 3-step cross-language chain (TS → Python → Ruby)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.projects import BENCH_PROJECT
from orchestrator.config import Settings
from orchestrator.context import EmitRequest
from orchestrator.server import open_services

STEPS_PER_CHAIN = 3


async def chain_figures(state: str, chains: int) -> dict[str, float]:
    """Publish `chains` events at the head of the chain and time until all settle.
    events_per_s counts every event delivered (three per chain)."""
    with TemporaryDirectory() as data_dir:
        settings = replace(
            Settings(),
            port=0,
            state=state,
            queue=state,
            data_dir=str(Path(data_dir) / ".steppe"),
        )
        async with open_services(BENCH_PROJECT, settings, "start", console_level="error") as s:
            head = [s.runtime.project.steps["ChainStart"]]
            began = time.perf_counter()
            for n in range(chains):
                await s.bus.publish(EmitRequest("bench.chain.1", {"n": n}), head, f"{n:032x}", None)
            await s.bus.wait_idle()
            elapsed = time.perf_counter() - began
            arrived = len(await s.env.state.get_group("bench-chain"))
    if arrived != chains:
        raise RuntimeError(f"{chains - arrived} of {chains} chains did not arrive")
    return {"events_per_s": chains * STEPS_PER_CHAIN / elapsed, "chains_per_s": chains / elapsed}

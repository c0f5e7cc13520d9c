"""Where the benchmark project lives, and a quiet in-process runtime on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from orchestrator.core.logs import LogSink
from orchestrator.model.settings import Settings
from orchestrator.services.context import ContextRouter, EmitChecker
from orchestrator.stores.state.memory import MemoryStateStore
from orchestrator.wiring.runtime import Host, Runtime, open_runtime

BENCH_PROJECT = Path(__file__).parent / "project"
EXAMPLE_PROJECT = Path(__file__).parent.parent


@asynccontextmanager
async def quiet_runtime(project: Path = BENCH_PROJECT) -> AsyncIterator[Runtime]:
    """Runners up and every file loaded, logs discarded, state in memory."""
    host = Host(project.resolve(), LogSink(None, None))
    async with open_runtime(project, replace(Settings(), state="memory"), host) as runtime:
        steps = runtime.project.steps
        host.router = ContextRouter(MemoryStateStore(), _NoBus(), EmitChecker(steps))
        yield runtime


class _NoBus:
    async def emit(self, invocation: object, event: object, subscribers: object) -> None:
        return None

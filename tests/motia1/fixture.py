"""The Motia 1.0 fixture project served for a test: tests/fixtures/motia1 copied (so a
served project writes nothing into the repository), problems asserted away."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from orchestrator.wiring.server import Services
from tests.helpers import TESTS_DIR, serving

FIXTURE = TESTS_DIR / "fixtures" / "motia1"


@asynccontextmanager
async def served_fixture(
    make_project: Callable[..., Path], **overrides: Any
) -> AsyncIterator[tuple[Services, Any]]:
    """The whole fixture served (memory stores), every step loaded without a problem."""
    async with serving(make_project(copy_from=FIXTURE), **overrides) as (services, client):
        assert services.runtime.project.problems == [], services.runtime.project.problems
        yield services, client


def logged(services: Services, step: str) -> list[tuple[str, Any]]:
    """(message, fields) of each line `step`'s handler logged, oldest first."""
    return [
        (e["msg"], e.get("fields"))
        for e in services.env.logs.tail
        if e.get("step") == step and e.get("source") == "logger"
    ]


async def emit(client: Any, topic: str, data: Any) -> dict[str, Any]:
    """Enqueue `data` on `topic` through the admin API (the workbench's Emit)."""
    sent = await client.post("/__steppe/api/emit", json={"topic": topic, "data": data})
    assert sent.status_code == 202, sent.text
    answer: dict[str, Any] = sent.json()
    return answer


async def run_cron(client: Any, step: str) -> str:
    """Run `step`'s cron trigger now (the workbench's Run now); its trace id."""
    run = await client.post(f"/__steppe/api/cron/{step}/run")
    assert run.status_code == 202, run.text
    trace_id: str = run.json()["traceId"]
    return trace_id

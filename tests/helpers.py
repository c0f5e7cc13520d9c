"""Helpers shared by tests (fixtures stay in conftest.py): a served orchestrator and polling."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from orchestrator.model.settings import Settings
from orchestrator.services.reload import Reloader
from orchestrator.wiring.server import Services, open_services

TESTS_DIR = Path(__file__).parent
REPO_ROOT = TESTS_DIR.parent


@asynccontextmanager
async def serving(
    project_dir: Path, mode: str = "dev", **overrides: Any
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """The project served on a free port with memory state, and a client for it."""
    defaults: dict[str, Any] = {
        "port": 0,
        "state": "memory",
        "queue": "memory",
        "shutdown_grace": 2.0,
    }
    settings = replace(Settings(), **(defaults | overrides))
    async with (
        open_services(project_dir, settings, mode, console_level="error") as services,  # type: ignore[arg-type]
        httpx.AsyncClient(base_url=services.url, timeout=30) as client,
    ):
        yield services, client


async def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, step: float = 0.02) -> Any:
    """Poll until `predicate()` is truthy (sync or async); fail the test after `timeout`."""
    with trio.move_on_after(timeout):
        while True:
            value = predicate()
            if hasattr(value, "__await__"):
                value = await value
            if value:
                return value
            await trio.sleep(step)
    pytest.fail(f"condition not met within {timeout}s")


def virtual_wall_clock(start: float) -> Callable[[], float]:
    """Epoch seconds that begin at `start` and advance with trio's clock (virtual under
    MockClock), for services that read the wall clock (`clock=`)."""
    origin = trio.current_time()
    return lambda: start + trio.current_time() - origin


def reloader_for(services: Services) -> Reloader:
    """A hot reloader over a served project, driven by `apply_changes` in the test
    instead of a file watcher."""
    return Reloader(
        services.runtime.pool,
        services.env.logs,
        lambda: services.runtime.project,
        services.apply_project,
        step_dirs=services.runtime.settings.step_dirs,
        load_timeout=10,
    )


async def step_result(client: httpx.AsyncClient, path: str, **body: Any) -> Any:
    """POST `body` to a test step that runs one operation and answers `{result}`; the
    result (the tests' `/ops/{lang}` and `/atomic/{lang}` steps)."""
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()["result"]


async def step_error(client: httpx.AsyncClient, path: str, **body: Any) -> dict[str, str]:
    """Like `step_result` for an operation that must fail: the error the handler caught
    and answered with 422, `{name, message}`."""
    response = await client.post(path, json=body)
    assert response.status_code == 422, response.text
    error: dict[str, str] = response.json()["error"]
    return error

"""`/__steppe/health` and `/__steppe/ready` (docs/reference.md §14) through a real server
and a real Python runner: normal service, a runner (re)starting, and shutdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import trio

from orchestrator.http.app import create_app
from orchestrator.http.health import HEALTH_PATH, READY_PATH
from tests.helpers import serving, wait_for

# The import sleeps so that a restarted runner takes a while to be ready again.
SLOW_LOADING = {
    "steps/slow.step.py": """
import asyncio, time
time.sleep(1.0)
config = {"type": "api", "name": "Slow", "method": "GET", "path": "/slow"}

async def handler(req, context):
    await asyncio.sleep(float(req["queryParams"].get("s", "0")))
    return {"status": 200, "body": {"ok": True}}
""",
}


async def test_health_and_ready_in_start_mode_need_no_token_and_answer_any_host(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    """A load balancer probes by IP or by its own name and has no admin token; the
    answers say nothing but a status word."""
    project = make_project(SLOW_LOADING)
    async with serving(project, mode="start") as (_, client):
        for path in (HEALTH_PATH, READY_PATH):
            response = await client.get(path, headers={"host": "10.1.2.3:8080"})
            assert response.status_code == 200, response.text
            assert response.headers["cache-control"] == "no-store"
            assert set(response.json()) == {"status"}
        assert (await client.get(READY_PATH)).json() == {"status": "ready"}
        # The rest of /__steppe/ still checks Host and token.
        admin = await client.get("/__steppe/api/steps", headers={"host": "10.1.2.3:8080"})
        assert admin.status_code == 403


async def test_ready_is_503_while_a_runner_restarts_and_health_stays_200(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    project = make_project(SLOW_LOADING)
    async with serving(project) as (services, client):
        services.runtime.pool.supervisors["python"].kill()
        response = await wait_for(lambda: _status_is(client, READY_PATH, 503), timeout=5, step=0.05)
        assert response.json() == {"status": "runners unavailable"}
        assert (await client.get(HEALTH_PATH)).status_code == 200
        await wait_for(lambda: _status_is(client, READY_PATH, 200), timeout=15, step=0.1)


async def test_ready_is_503_from_the_start_of_shutdown(
    make_project: Callable[..., Path], restore_environ: None
) -> None:
    """Hypercorn takes no new connection once shutdown begins (a refused connection is
    itself 'not ready'), so the probe is asked through the app's test client while a
    slow request holds the shutdown open."""
    project = make_project(SLOW_LOADING)
    answers: list[tuple[int, object]] = []
    async with trio.open_nursery() as nursery, serving(project) as (services, _client):
        outside = httpx.AsyncClient(base_url=services.url, timeout=30)
        slow_status: list[int] = []

        async def slow_request() -> None:
            async with outside:
                slow_status.append((await outside.get("/slow?s=1")).status_code)

        async def probe() -> None:
            await wait_for(lambda: services.env.shutting_down)
            response = await create_app(services.env).test_client().get(READY_PATH)
            answers.append((response.status_code, await response.get_json()))

        before = await create_app(services.env).test_client().get(READY_PATH)
        assert before.status_code == 200
        nursery.start_soon(slow_request)
        await wait_for(lambda: services.runtime.pool.in_flight == 1)
        nursery.start_soon(probe)
    assert answers == [(503, {"status": "shutting down"})]
    assert slow_status == [200]


async def _status_is(client: httpx.AsyncClient, path: str, status: int) -> httpx.Response | None:
    response = await client.get(path)
    return response if response.status_code == status else None

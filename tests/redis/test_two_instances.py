"""Two orchestrators on one Redis (docs/reference.md §11): an event is handled once whichever
instance accepted it, and an idempotency key holds across instances.

Motia scales out the same way: its BullMQ event adapter puts every emit on a queue in
Redis that any instance's worker takes (packages/core/src/event-manager.ts, and the
adapter interface in packages/core/src/adapters/interfaces/event-adapter.interface.ts
at v0.17.14-beta.196); `idempotencyKey` is the queue message's deduplication id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from orchestrator.wiring.server import Services
from tests.helpers import serving, wait_for
from tests.redis_server import RedisServer

PROJECT = {
    "steps/send.step.py": """
config = {"type": "api", "name": "Send", "method": "POST", "path": "/send/:n",
          "emits": ["ping"]}

async def handler(req, context):
    await context.emit({"topic": "ping", "data": {"n": req["pathParams"]["n"]}})
    return {"status": 202, "body": {"ok": True}}
""",
    "steps/count.step.py": """
import os, uuid

config = {"type": "event", "name": "Count", "subscribes": ["ping"], "emits": []}

async def handler(data, context):
    # One key per handling: a delivery run twice shows as two keys.
    await context.state.set("handled:" + data["n"], uuid.uuid4().hex, os.getpid())
""",
}

Instance = tuple[Services, httpx.AsyncClient]


@asynccontextmanager
async def two_instances(
    project: Path, server: RedisServer, **overrides: Any
) -> AsyncIterator[tuple[Instance, Instance]]:
    """A and B serving `project` with every store but streams on `server`."""
    settings = {
        "state": "redis", "queue": "redis", "streams": "memory",
        "redis_url": server.url, "redis_prefix": server.prefix(), **overrides,
    }  # fmt: skip
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(serving(project, **settings))
        b = await stack.enter_async_context(serving(project, **settings))
        yield a, b


async def handled(services: Services, n: int | str) -> int:
    return len(await services.env.state.items(f"handled:{n}"))


async def test_an_event_emitted_on_either_instance_is_handled_once(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(PROJECT)
    async with two_instances(project, redis_server) as ((a, client_a), (_, client_b)):
        for n in range(40):
            response = await (client_a if n % 2 else client_b).post(f"/send/{n}")
            assert response.status_code == 202, response.text

        async def all_handled() -> bool:
            return all([await handled(a, n) >= 1 for n in range(40)])

        await wait_for(all_handled, timeout=20)
        assert [await handled(a, n) for n in range(40)] == [1] * 40

        async def none_pending() -> bool:  # done marks are posted: soon, not at once
            return await a.bus.store.pending() == []

        await wait_for(none_pending)


async def test_an_idempotency_key_holds_across_instances(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(PROJECT)
    async with two_instances(project, redis_server) as ((a, client_a), (_, client_b)):
        body = {"topic": "ping", "data": {"n": "once"}, "idempotencyKey": "order-7"}
        first = await client_a.post("/__steppe/api/emit", json=body)
        second = await client_b.post("/__steppe/api/emit", json=body)
        assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
        await wait_for(lambda: handled(a, "once"), timeout=10)
        assert await handled(a, "once") == 1


CRON = {
    "steps/tick.step.py": """
import time, uuid

config = {"type": "cron", "name": "Tick", "cron": "* * * * * *", "emits": []}

async def handler(context):
    await context.state.set("ticks", uuid.uuid4().hex, int(time.time()))
""",
}


async def test_a_cron_tick_fires_once_across_instances(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(CRON)
    async with two_instances(project, redis_server) as ((a, _), _b):

        async def ten_ticks() -> bool:
            return len(await a.env.state.items("ticks")) >= 10

        await wait_for(ten_ticks, timeout=20)
        seconds = [second for _, second in await a.env.state.items("ticks")]
    assert len(seconds) == len(set(seconds)), f"a tick fired twice: {sorted(seconds)}"


FAILING = {
    "steps/fail.step.py": """
config = {"type": "event", "name": "Fail", "subscribes": ["doomed"], "emits": [],
          "infrastructure": {"queue": {"maxRetries": 0}}}

async def handler(data, context):
    raise RuntimeError("no luck")
""",
}


async def test_dead_letters_are_listed_and_replayed_from_either_instance(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(FAILING)
    async with two_instances(project, redis_server) as ((_, client_a), (_, client_b)):
        await client_a.post("/__steppe/api/emit", json={"topic": "doomed", "data": {"n": 1}})

        async def listed_on_b() -> list[dict[str, Any]]:
            dead: list[dict[str, Any]] = (await client_b.get("/__steppe/api/dlq")).json()
            return dead

        [dead] = await wait_for(listed_on_b)
        assert (dead["step"], dead["event"]["data"], dead["attempts"]) == ("Fail", {"n": 1}, 1)
        assert "no luck" in dead["errors"][0]["message"]
        purged = await client_b.post("/__steppe/api/dlq/purge", json={"ids": [dead["id"]]})
        assert purged.status_code == 200, purged.text
        assert (await client_a.get("/__steppe/api/dlq")).json() == []

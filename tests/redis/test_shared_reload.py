"""A step removed by a hot reload on a shared queue (docs/reference.md §11): its waiting
deliveries are not dead-lettered by the instance that reloaded, since other instances
(a rolling deploy, or instances not yet reloaded) may still serve the step. They stay in
Redis and are delivered once an instance serves the step again. On the embedded stores a
removed step's deliveries are dead-lettered (tests/services/test_bus_inprocess.py).

Motia's BullMQ adapter is the model, as at start-up (tests/redis/test_shared_recovery.py):
a worker exists only for the steps an instance has, and a job waits in Redis for one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tests.helpers import serving, wait_for
from tests.redis_server import RedisServer

SLOW = """
import asyncio

config = {"type": "event", "name": "Slow", "subscribes": ["job"], "emits": [],
          "infrastructure": {"queue": {"concurrency": 1}}}

async def handler(data, context):
    await asyncio.sleep(0.3)
    await context.state.set("handled", str(data["n"]), True)
"""


async def test_a_removed_steps_deliveries_wait_in_redis_for_an_instance_that_serves_it(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project({"steps/slow.step.py": SLOW})
    settings = redis_server.shared_queue()
    async with serving(project, **settings) as (services, client):
        for n in range(6):
            body = {"topic": "job", "data": {"n": n}}
            assert (await client.post("/__steppe/api/emit", json=body)).status_code == 202
        served = services.runtime.project
        # What the dev watcher does when the file is deleted (tests/dev: the watcher).
        await services.apply_project(replace(served, steps={}))
        await services.bus.wait_idle()  # what it will not deliver is not waited for
        handled_while_served = len(await services.env.state.items("handled"))
        assert handled_while_served < 6  # one at a time: some were still waiting
        assert (await client.get("/__steppe/api/dlq")).json() == []
        said = [e["msg"] for e in services.env.logs.tail if "stay in the shared queue" in e["msg"]]
        assert len(said) == 1, said

        await services.apply_project(served)  # served again: delivered

        async def all_handled() -> bool:
            return len(await services.env.state.items("handled")) == 6

        await wait_for(all_handled, timeout=20)
        assert (await client.get("/__steppe/api/dlq")).json() == []

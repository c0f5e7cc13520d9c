"""Starting on a shared queue (docs/reference.md §11): a rolling deploy runs two versions of a
project on one Redis, so an instance that starts finds deliveries other live instances
hold and deliveries for steps only the other version has. It neither dead-letters those
nor counts the others' deliveries as its own.

Motia's BullMQ adapter behaves the same way: an instance creates a worker only for the
queues of the steps it has (one queue per topic and step:
packages/adapter-bullmq-events/src/worker-manager.ts `createWorker`, and `subscribe` in
bullmq-event-adapter.ts, at v0.17.14-beta.196); a job for a step it does not have waits
in Redis for an instance that does, and nothing at start-up inspects other queues.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import trio

from tests.helpers import serving, wait_for
from tests.redis_server import RedisServer

COUNT = """
import asyncio

config = {"type": "event", "name": "Count", "subscribes": ["ping"], "emits": []}

async def handler(data, context):
    await asyncio.sleep(2)  # holds its lease on the instance that claimed it
    await context.state.set("counted", str(data["n"]), True)
"""

AUDIT = """
config = {"type": "event", "name": "Audit", "subscribes": ["audit"], "emits": [],
          "infrastructure": {"queue": {"delaySeconds": 2}}}

async def handler(data, context):
    await context.state.set("audited", str(data["n"]), True)
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


async def test_an_instance_of_another_version_neither_buries_nor_counts_what_it_finds(
    make_project: Callable[..., Path], tmp_path: Path, redis_server: RedisServer
) -> None:
    new = make_project({"steps/count.step.py": COUNT, "steps/audit.step.py": AUDIT})
    old = write(tmp_path / "old", {"steps/count.step.py": COUNT})
    settings = redis_server.shared_queue()
    async with serving(new, **settings) as (a, client_a):
        for n in range(3):
            for topic in ("ping", "audit"):
                body = {"topic": topic, "data": {"n": n}}
                assert (await client_a.post("/__steppe/api/emit", json=body)).status_code == 202
        # A holds the pings (each handler sleeps); the audits wait out their delay.
        async with serving(old, **settings) as (b, client_b):
            assert (await client_b.get("/__steppe/api/dlq")).json() == []
            with trio.fail_after(1):  # A's deliveries are not B's to wait for
                await b.bus.wait_idle()
            said = [e["msg"] for e in b.env.logs.tail if "does not have" in e["msg"]]
            assert len(said) == 1 and "Audit (3)" in said[0], said

            async def audited_on_a() -> bool:
                return len(await a.env.state.items("audited")) == 3

            await wait_for(audited_on_a, timeout=15)
            assert (await client_a.get("/__steppe/api/dlq")).json() == []

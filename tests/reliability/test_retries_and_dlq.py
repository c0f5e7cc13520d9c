"""Retries with exponential backoff, dead letters with every attempt, replay through
`steppe dlq`, idempotency keys, and a runner crash counted as a failed attempt."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import trio

from tests.helpers import serving

FRAGILE = """
import time
config = {
    "type": "event", "name": "Fragile", "subscribes": ["job"], "emits": [],
    "infrastructure": {"queue": {"maxRetries": 3, "backoffMs": 100}},
}

async def handler(data, context):
    times = (await context.state.get("fragile", "times")) or []
    times.append(time.monotonic())
    await context.state.set("fragile", "times", times)
    if not await context.state.get("fragile", "fixed"):
        raise RuntimeError(f"not fixed yet (attempt {len(times)})")
    await context.state.set("fragile", "handled", data)
"""

COUNTER = """
config = {"type": "event", "name": "Counter", "subscribes": ["count"], "emits": []}

async def handler(data, context):
    count = await context.state.get("counted", data["id"]) or 0
    await context.state.set("counted", data["id"], count + 1)
"""

EMITTER = """
config = {
    "type": "api", "name": "EmitTwice", "method": "POST", "path": "/twice", "emits": ["count"],
}

async def handler(req, context):
    for _ in range(2):
        await context.emit({"topic": "count", "data": {"id": req["body"]["id"]},
                            "idempotencyKey": req["body"]["id"]})
    return {"status": 202, "body": {}}
"""

CRASHER = """
import os
config = {
    "type": "event", "name": "Crasher", "subscribes": ["crash"], "emits": [],
    "infrastructure": {"queue": {"maxRetries": 2, "backoffMs": 10}},
}

async def handler(data, context):
    crashes = (await context.state.get("crash", "count")) or 0
    if crashes < 1:
        await context.state.set("crash", "count", crashes + 1)
        os._exit(9)
    await context.state.set("crash", "handled", True)
"""


async def test_backoff_doubles_then_the_delivery_is_dead_lettered_with_every_attempt(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project({"steps/fragile.step.py": FRAGILE})) as (services, client):
        response = await client.post("/__steppe/api/emit", json={"topic": "job", "data": {"n": 1}})
        trace_id = response.json()["traceId"]
        await services.bus.wait_idle()
        times = await services.env.state.get("fragile", "times")
        [dead] = await services.bus.store.dead_letters()
    assert len(times) == 4  # the first try and three retries
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # 100 ms, 200 ms, 400 ms, each ±20% jitter (plus scheduling, so no upper bound is tight).
    for gap, expected in zip(gaps, (0.1, 0.2, 0.4), strict=True):
        assert expected * 0.8 <= gap < expected * 1.2 + 0.25, gaps
    assert dead.step == "Fragile" and dead.attempts == 4
    assert dead.event.topic == "job" and dead.event.data == {"n": 1}
    assert dead.event.trace_id == trace_id
    assert [e["message"] for e in dead.errors] == [
        f"not fixed yet (attempt {n})" for n in (1, 2, 3, 4)
    ]
    assert all(e["name"] == "RuntimeError" and e["stack"] for e in dead.errors)
    assert [e["attempt"] for e in dead.errors] == [1, 2, 3, 4]


async def test_steppe_dlq_replay_brings_a_fixed_steps_dead_letters_through(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(
        {"steps/fragile.step.py": FRAGILE.replace('"maxRetries": 3', '"maxRetries": 0')}
    )
    async with serving(project, queue="sqlite") as (services, client):
        for n in range(3):
            await client.post("/__steppe/api/emit", json={"topic": "job", "data": {"n": n}})
        await services.bus.wait_idle()

        async def steppe(*args: str) -> subprocess.CompletedProcess[bytes]:
            return await trio.run_process(
                [sys.executable, "-m", "orchestrator", *args, "--url", services.url],
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )

        listed = await steppe("dlq", "list")
        assert listed.returncode == 0, listed.stderr
        dead = json.loads(listed.stdout)
        assert sorted(d["event"]["data"]["n"] for d in dead) == [0, 1, 2]
        shown = await steppe("dlq", "show", dead[0]["id"])
        assert json.loads(shown.stdout)["errors"][0]["message"].startswith("not fixed yet")

        await services.env.state.set("fragile", "fixed", True)  # the step is fixed
        replayed = await steppe("dlq", "replay", "--all")
        assert replayed.returncode == 0, replayed.stderr
        assert len(json.loads(replayed.stdout)["replayed"]) == 3
        await services.bus.wait_idle()
        assert await services.bus.store.dead_letters() == []
        assert (await services.env.state.get("fragile", "handled"))["n"] in (0, 1, 2)

        await services.env.state.set("fragile", "fixed", False)
        await client.post("/__steppe/api/emit", json={"topic": "job", "data": {"n": 9}})
        await services.bus.wait_idle()
        purged = await steppe("dlq", "purge", "--all")
        assert json.loads(purged.stdout) == {"purged": 1}
        assert (await steppe("dlq", "replay")).returncode == 2  # nothing named


async def test_an_idempotency_key_is_accepted_twice_but_delivered_once(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/counter.step.py": COUNTER, "steps/emitter.step.py": EMITTER})
    async with serving(project) as (services, client):
        for order_id in ("a", "b", "a"):
            assert (await client.post("/twice", json={"id": order_id})).status_code == 202
        await services.bus.wait_idle()
        assert await services.env.state.get("counted", "a") == 1
        assert await services.env.state.get("counted", "b") == 1


async def test_a_runner_crash_is_a_failed_attempt_and_the_retry_succeeds(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project({"steps/crasher.step.py": CRASHER})) as (services, client):
        await client.post("/__steppe/api/emit", json={"topic": "crash", "data": {}})
        await services.bus.wait_idle()
        assert await services.env.state.get("crash", "handled") is True
        assert await services.bus.store.dead_letters() == []
        failures = [e for e in services.env.logs.tail if "attempt 1" in e["msg"]]
        assert failures and "RunnerCrashed" in failures[0]["msg"]

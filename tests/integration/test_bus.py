"""The event bus through real runners: checks on emit, per-step concurrency, retries,
dead letters, the emit-depth limit, and spans."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import serving

EMITTER = """
config = {
    "type": "api", "name": "Emitter", "method": "POST", "path": "/emit",
    "emits": ["order.created"],
}

async def handler(req, context):
    try:
        await context.emit({"topic": req["body"]["topic"], "data": req["body"]["data"]})
    except Exception as error:
        name = getattr(error, "name", type(error).__name__)
        return {"status": 422, "body": {"name": name, "message": str(error)}}
    return {"status": 202, "body": {}}
"""

SUBSCRIBER = """
config = {
    "type": "event", "name": "CountOrder", "subscribes": ["order.created"], "emits": [],
    "input": {"type": "object", "properties": {"qty": {"type": "integer"}}, "required": ["qty"]},
}

async def handler(data, context):
    await context.state.set("orders", str(data["qty"]), data)
"""

SLOW_COUNTER = """
import asyncio
config = {
    "type": "event", "name": "SlowCounter", "subscribes": ["work"], "emits": [],
    "infrastructure": {"queue": {"concurrency": 2}},
}
running = 0
peak = 0

async def handler(data, context):
    global running, peak
    running += 1
    peak = max(peak, running)
    await asyncio.sleep(0.05)
    running -= 1
    await context.state.set("peak", "value", peak)
"""

FLAKY = """
config = {
    "type": "event", "name": "Flaky", "subscribes": ["flaky"], "emits": [],
    "infrastructure": {"queue": {"maxRetries": 2, "backoffMs": 10}},
}

async def handler(data, context):
    attempts = (await context.state.get("flaky", "attempts") or 0) + 1
    await context.state.set("flaky", "attempts", attempts)
    if attempts < data["succeedOn"]:
        raise RuntimeError(f"attempt {attempts} failed")
"""

LOOP = """
config = {"type": "event", "name": "Loop", "subscribes": ["loop"], "emits": ["loop"]}

async def handler(data, context):
    await context.emit({"topic": "loop", "data": {"n": data["n"] + 1}})
    await context.state.set("loop", "deepest", data["n"])
"""


async def test_with_strict_emits_an_undeclared_topic_is_an_error_in_the_handler(
    make_project: Callable[..., Path],
) -> None:
    # Without strict_emits it is delivered with a warning (tests/motia/test_emits.py).
    project = make_project({"steps/emitter.step.py": EMITTER, "steps/sub.step.py": SUBSCRIBER})
    async with serving(project, strict_emits=True) as (_, client):
        response = await client.post("/emit", json={"topic": "order.deleted", "data": {}})
    assert response.status_code == 422
    body = response.json()
    assert body["name"] == "UndeclaredTopic"
    assert "Emitter emitted 'order.deleted'" in body["message"]
    assert "order.created" in body["message"]


async def test_emit_data_is_validated_against_each_subscriber_input(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/emitter.step.py": EMITTER, "steps/sub.step.py": SUBSCRIBER})
    async with serving(project) as (services, client):
        bad = await client.post("/emit", json={"topic": "order.created", "data": {"qty": "x"}})
        good = await client.post("/emit", json={"topic": "order.created", "data": {"qty": 3}})
        await services.bus.wait_idle()
        stored = await services.env.state.get("orders", "3")
    assert bad.status_code == 422
    message = bad.json()["message"]
    assert bad.json()["name"] == "ValidationError"
    assert "'order.created'" in message and "CountOrder" in message and "qty" in message
    assert good.status_code == 202 and stored == {"qty": 3}


async def test_per_step_concurrency_limit_holds(make_project: Callable[..., Path]) -> None:
    async with serving(make_project({"steps/slow.step.py": SLOW_COUNTER})) as (services, client):
        for n in range(12):
            response = await client.post("/__steppe/api/emit", json={"topic": "work", "data": n})
            assert response.status_code == 202
        await services.bus.wait_idle()
        assert await services.env.state.get("peak", "value") == 2


async def test_failed_deliveries_are_retried_then_dead_lettered(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project({"steps/flaky.step.py": FLAKY})) as (services, client):
        await client.post("/__steppe/api/emit", json={"topic": "flaky", "data": {"succeedOn": 3}})
        await services.bus.wait_idle()
        assert await services.env.state.get("flaky", "attempts") == 3
        assert await services.bus.store.dead_letters() == []

        await services.env.state.set("flaky", "attempts", 0)
        await client.post("/__steppe/api/emit", json={"topic": "flaky", "data": {"succeedOn": 99}})
        await services.bus.wait_idle()
        assert await services.env.state.get("flaky", "attempts") == 3  # 1 try + 2 retries
        [dead] = await services.bus.store.dead_letters()
        assert dead.step == "Flaky" and dead.attempts == 3
        assert [e["message"] for e in dead.errors] == [f"attempt {n} failed" for n in (1, 2, 3)]


async def test_an_emit_loop_is_stopped_by_the_depth_limit(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project({"steps/loop.step.py": LOOP})) as (services, client):
        await client.post("/__steppe/api/emit", json={"topic": "loop", "data": {"n": 1}})
        await services.bus.wait_idle()
        logged = [e["msg"] for e in services.env.logs.tail if e["level"] == "error"]
        assert any("EmitDepthExceeded" in m or "emits deep" in m for m in logged), logged
        dead = await services.bus.store.dead_letters()
        assert dead and dead[0].step == "Loop"


async def test_deliveries_are_spans_of_the_trace_that_emitted_them(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/emitter.step.py": EMITTER, "steps/sub.step.py": SUBSCRIBER})
    async with serving(project) as (services, client):
        response = await client.post("/emit", json={"topic": "order.created", "data": {"qty": 1}})
        await services.bus.wait_idle()
        trace = (await client.get(f"/__steppe/api/traces/{response.headers['x-trace-id']}")).json()
    assert trace["trigger"] == {"type": "http", "detail": "POST /emit"}
    assert [(s["step"], s["status"], s["emitted"]) for s in trace["spans"]] == [
        ("Emitter", "ok", ["order.created"]),
        ("CountOrder", "ok", []),
    ]
    assert all(s["language"] == "python" and s["durationMs"] > 0 for s in trace["spans"])

"""State and stream triggers through the real server and the real Node runner.

What a trigger gets and when it runs is Motia 1.0's: frameworks/motia/docs/content/docs/
advanced-features/reactive-triggers.mdx (`StateTriggerInput`: group_id, item_id,
old_value, new_value, null where absent; `StreamWrapperMessage`: type, timestamp,
streamName, groupId, id, event {type, data}); motia-js/packages/motia/src/new/build/
utils.ts (`addStep`: a state or stream handler is called (input, ctx) with
ctx.trigger {type, index}; the trigger's condition first); the engine's
modules/stream/trigger.rs (streamName, groupId, itemId filter). Steppe's own: the
deliveries go through the durable queue, with the step's queue options, retries and
dead letters, in the trace of the write that made the change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.testing.client import Steppe
from orchestrator.testing.server import TestServer
from orchestrator.wiring.server import Services
from tests.helpers import serving, wait_for
from tests.triggers.reactive_project import (
    FAILING,
    LOOP,
    MERGE_PROJECT,
    PY_WATCHER,
    PY_WRITER,
    STREAM_PROJECT,
)


def _loaded(services: Services) -> None:
    assert services.runtime.project.problems == [], services.runtime.project.problems


async def test_parallel_merge_fires_once_when_all_tasks_are_done(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(MERGE_PROJECT)) as (services, client):
        _loaded(services)
        response = await client.post("/tasks/t1")
        assert response.status_code == 202, response.text
        merged = await wait_for(lambda: services.env.state.get("merged", "t1"))
        await services.bus.wait_idle()
        merged = await services.env.state.get("merged", "t1")
        assert merged["runs"] == 1
        assert merged["input"] == {
            "type": "state",
            "group_id": "tasks",
            "item_id": "t1",
            "old_value": {"totalSteps": 3, "completedSteps": 2, "results": merged["input"]
                          ["old_value"]["results"]},
            "new_value": {"totalSteps": 3, "completedSteps": 3,
                          "results": {"a": True, "b": True, "c": True}},
        }  # fmt: skip
        assert len(merged["input"]["old_value"]["results"]) == 2
        assert merged["trigger"] == {"type": "state", "index": 0}
        assert merged["isState"] is True
        # The trigger's delivery continues the trace of the request that started it all.
        assert merged["traceId"] == response.json()["traceId"]
        # The other four changes were delivered too, and their condition said no.
        assert services.bus.delivered >= 3 + 5


async def test_a_python_handler_s_writes_trigger_a_typescript_step(
    make_project: Callable[..., Path],
) -> None:
    """State calls from every runner go through one router: the language of the writer
    does not matter."""
    project = make_project(
        {"steps/py_writer_step.py": PY_WRITER, "steps/watch.step.ts": PY_WATCHER}
    )
    async with serving(project) as (services, client):
        _loaded(services)
        assert (await client.post("/py", json={"n": 1})).status_code == 200
        await wait_for(lambda: services.env.state.get("py-seen", "2"))
        await services.bus.wait_idle()
        seen = dict(await services.env.state.items("py-seen"))
        assert seen["1"]["old_value"] is None and seen["1"]["new_value"] == {"n": 1}
        assert seen["2"]["old_value"] == {"n": 1} and seen["2"]["new_value"] == {"n": 2}


async def test_stream_triggers_filter_by_stream_group_item_and_condition(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(STREAM_PROJECT)) as (services, client):
        _loaded(services)

        async def deploy(**body: Any) -> str:
            response = await client.post("/deploy", json=body)
            assert response.status_code == 200, response.text
            trace_id: str = response.json()["traceId"]
            return trace_id

        await deploy(op="set", group="data", id="d1", status="queued")  # create
        await deploy(op="set", group="other", id="d2", status="queued")
        await deploy(op="update", group="other", id="d2", status="live")  # wrong group
        trace_id = await deploy(op="set", group="data", id="d1", status="live")  # update
        await deploy(op="send", group="data", status="hello")
        await deploy(op="delete", group="data", id="d1")
        update = await wait_for(lambda: services.env.state.get("updates", "data/d1"))
        await services.bus.wait_idle()
        message = update["input"]
        assert isinstance(message.pop("timestamp"), int)
        assert message == {
            "type": "stream", "streamName": "deployment", "groupId": "data", "id": "d1",
            "event": {"type": "update", "data": {"status": "live", "id": "d1"}},
        }  # fmt: skip
        assert update["trigger"] == {"type": "stream", "index": 0}
        assert [key for key, _ in await services.env.state.items("updates")] == ["data/d1"]
        # No filter but the stream: every change and the custom event.
        counts = {k: v["n"] for k, v in await services.env.state.items("all-events")}
        assert counts == {"create": 2, "update": 2, "delete": 1, "event": 1}
        sent = (await services.env.state.get("all-events", "event"))["last"]
        assert sent["event"] == {
            "type": "event",
            "data": {"type": "ping", "data": {"status": "hello"}},
        }
        assert sent["groupId"] == "data" and sent["id"] is None
        # itemId 'd1': its create, update and delete, not d2's nor the event.
        kinds = sorted(v["type"] for _, v in await services.env.state.items("item-events"))
        assert kinds == ["create", "delete", "update"]
        # The delivery continues the writer's trace.
        assert services.env.tracer.span_of(trace_id, "OnDeploymentUpdate") is not None


async def test_a_failing_state_trigger_is_retried_then_dead_lettered(
    make_project: Callable[..., Path],
) -> None:
    """The change comes from the admin API (a workbench edit): it triggers too. On the
    default, durable stores (SQLite state and queue)."""
    project = make_project({"steps/failing.step.js": FAILING})
    async with serving(project, state="sqlite", queue="sqlite") as (services, client):
        _loaded(services)
        response = await client.put("/__steppe/api/state/jobs/j1", json={"size": 3})
        assert response.status_code == 200, response.text
        dead = await wait_for(lambda: services.bus.store.dead_letters(10))
        assert len(dead) == 1
        letter = dead[0].as_json()
        assert letter["step"] == "FailingWatcher" and letter["attempts"] == 2
        assert letter["event"]["data"] == {
            "type": "state", "group_id": "jobs", "item_id": "j1",
            "old_value": None, "new_value": {"size": 3},
        }  # fmt: skip
        assert "cannot handle j1" in letter["errors"][-1]["message"]
        assert await services.env.state.get("attempts", "j1") == {"n": 2}
        # A delete is a change too (new_value null); deleting a missing key is none.
        assert (await client.delete("/__steppe/api/state/jobs/j1")).status_code == 200
        assert (await client.delete("/__steppe/api/state/jobs/j1")).status_code == 404
        dead = await wait_for(lambda: _at_least(2, services.bus.store.dead_letters(10)), timeout=15)
        deleted = [d.as_json()["event"]["data"] for d in dead]
        assert {"type": "state", "group_id": "jobs", "item_id": "j1",
                "old_value": {"size": 3}, "new_value": None} in deleted  # fmt: skip
        await services.bus.wait_idle()
        assert len(await services.bus.store.dead_letters(10)) == 2


async def _at_least(count: int, found: Any) -> Any:
    items = await found
    return items if len(items) >= count else None


async def test_a_self_triggering_state_step_stops_at_max_trace_deliveries(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/loop.step.js": LOOP})
    async with serving(project, max_trace_deliveries=10) as (services, client):
        _loaded(services)
        assert (await client.put("/__steppe/api/state/loop/n", json=0)).status_code == 200
        dead = await wait_for(lambda: services.bus.store.dead_letters(10))
        await services.bus.wait_idle()
        assert len(dead) == 1
        error = dead[0].errors[-1]
        assert error["name"] == "TraceDeliveryLimit"
        assert "max_trace_deliveries (10)" in error["message"]
        # Ten deliveries ran, each writing once; the eleventh was dead-lettered.
        assert await services.env.state.get("loop", "n") == 10


def test_the_steppe_fixture_s_state_writes_trigger_too(make_project: Callable[..., Path]) -> None:
    """`steppe.state.set` in a user's test (orchestrator/testing/client.py) is a change
    like the admin API's, so a test can drive a state-triggered step."""
    project = make_project({"steps/failing.step.js": FAILING})
    server = TestServer(project)
    server.start()
    try:
        steppe = Steppe(server)
        steppe.state.set("jobs", "j2", 1)
        steppe.wait_idle()
        assert steppe.state.get("attempts", "j2") == {"n": 2}
        assert [d["step"] for d in steppe.dead_letters()] == ["FailingWatcher"]
    finally:
        server.stop()

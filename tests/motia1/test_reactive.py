"""State and stream triggers in the Motia 1.0 fixture: a step runs when a state key or a
stream item changes, with what Motia 1.0 passes (`StateTriggerInput`: group_id, item_id,
old_value, new_value; `StreamWrapperMessage`: streamName, groupId, id, event), filtered by
its condition (docs/content/docs/advanced-features/reactive-triggers.mdx; Motia 1.0
`motia-js/packages/motia/src/types.ts`, `src/new/build/utils.ts` the state and stream
branches)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import wait_for
from tests.motia1.fixture import logged, served_fixture


async def test_typescript_state_trigger_with_a_condition(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        created = await client.post("/orders", json={"item": "tea", "quantity": 1})
        order_id = created.json()["orderId"]
        changed = ("order changed", {"key": order_id, "status": "stored", "trigger": "state"})
        await wait_for(lambda: changed in logged(services, "OnOrderState"))
        # Another group's change does not pass the condition.
        synced = await client.post("/orders/sync", json={"orderId": "o-1"})
        assert synced.status_code == 200
        await services.bus.wait_idle()
        assert logged(services, "OnOrderState") == [changed]
        # The delivery continues the writer's trace.
        span = services.env.tracer.span_of(created.headers["x-trace-id"], "OnOrderState")
        assert span is not None


async def test_javascript_parallel_merge_fires_once(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        await services.env.state.set("tasks", "t-1", {"totalSteps": 3, "completedSteps": 0})
        for step in ("fetch", "parse", "score"):
            done = await client.post(f"/tasks/t-1/steps/{step}", json={"result": f"MOCK {step}"})
            assert done.status_code == 202
        archived = await wait_for(lambda: services.env.state.get("archive", "t-1"))
        await services.bus.wait_idle()
        results = {"fetch": "MOCK fetch", "parse": "MOCK parse", "score": "MOCK score"}
        assert (
            await services.env.state.get("archive", "t-1")
            == archived
            == {
                "merges": 1,
                "results": results,
            }
        )
        complete = ("All parallel steps complete", {"taskId": "t-1", "results": results})
        assert logged(services, "OnAllStepsComplete") == [complete]


async def test_typescript_stream_trigger(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        added = await client.post("/todos/list-1", json={"description": "MOCK bread"})
        todo_id = added.json()["id"]
        change = {"stream": "todo", "groupId": "list-1", "id": todo_id, "change": "create"}
        await wait_for(lambda: ("todo changed", change) in logged(services, "OnTodoChange"))


async def test_javascript_stream_trigger_on_updates_only(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        for _ in range(2):  # a create, then an update
            assert (await client.post("/deployments/d-1/advance")).status_code == 200
        updated = await wait_for(lambda: logged(services, "OnDeploymentUpdate"))
        await services.bus.wait_idle()
        fields = {"streamName": "deployment", "groupId": "data", "eventType": "update"}
        assert updated == logged(services, "OnDeploymentUpdate") == [("Deployment updated", fields)]


async def test_python_state_trigger(make_project: Callable[..., Path]) -> None:
    """motia-py playground state_example/on_state_change_step.py: `state(condition=…)`,
    a one-argument handler reading `input.item_id`, `input.old_value`, `input.new_value`."""
    async with served_fixture(make_project) as (services, client):
        # Workbench edits (the admin API) change state as a handler's writes do.
        for status in ("new", "active"):
            changed = await client.put("/__steppe/api/state/users/u-1", json={"status": status})
            assert changed.status_code == 200
        await client.put("/__steppe/api/state/others/u-1", json={"status": "ignored"})
        await wait_for(lambda: len(logged(services, "on-user-state-change")) == 2)
        await services.bus.wait_idle()
        # Two deliveries of one step may run side by side: their order is not kept.
        assert sorted(logged(services, "on-user-state-change"), key=lambda e: str(e[1])) == [
            ("User state changed", {"item_id": "u-1", "old": "new", "new": "active"}),
            ("User state changed", {"item_id": "u-1", "old": None, "new": "new"}),
        ]


async def test_python_writes_a_typescript_stream_and_both_triggers_run(
    make_project: Callable[..., Path],
) -> None:
    """motia-py's `Stream("todo")` writes the stream todo.stream.ts declares; the TS and
    the Python (playground stream_example/on_todo_event_step.py) stream triggers run."""
    async with served_fixture(make_project) as (services, client):
        added = await client.post("/py/todos/inbox", json={"description": "MOCK Eggs"})
        assert added.status_code == 201, added.text
        todo = {"id": "todo-py-eggs", "description": "MOCK Eggs", "done": False}
        assert added.json() == todo
        event = {
            "stream_name": "todo", "group_id": "inbox", "item_id": todo["id"],
            "event_type": "create", "data": todo,
        }  # fmt: skip
        await wait_for(
            lambda: ("Todo stream event", event) in logged(services, "on-todo-stream-event")
        )
        change = {"stream": "todo", "groupId": "inbox", "id": todo["id"], "change": "create"}
        await wait_for(lambda: ("todo changed", change) in logged(services, "OnTodoChange"))


async def test_ruby_state_trigger_with_a_condition(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        for _ in range(4):  # points 3, 6, 9, 12: only the last passes the condition
            assert (await client.post("/rb/score/top")).status_code == 200
        await wait_for(lambda: logged(services, "OnHighScore"))
        await services.bus.wait_idle()
        high = {"key": "top", "points": 12, "before": 9, "state": True}
        assert logged(services, "OnHighScore") == [("high score", high)]


async def test_ruby_stream_trigger_on_one_group(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        for room, item in (("main", "m-1"), ("side", "s-1"), ("main", "m-1")):
            posted = await client.post(f"/rb/lobby/{room}", json={"id": item, "text": "MOCK hi"})
            assert posted.status_code == 201, posted.text
        logged_post = await wait_for(lambda: services.env.state.get("lobby-log", "m-1"))
        await services.bus.wait_idle()
        assert logged_post == {
            "stream": "lobby",
            "group": "main",
            "event": {"type": "create", "data": {"id": "m-1", "text": "MOCK hi"}},
        }
        # The other group's item and the update of m-1 did not run it.
        assert [key for key, _ in await services.env.state.items("lobby-log")] == ["m-1"]

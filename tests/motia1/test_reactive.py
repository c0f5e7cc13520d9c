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

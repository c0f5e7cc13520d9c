"""Steps with several triggers in the Motia 1.0 fixture: `ctx.match` picks the branch of
the trigger that ran, `default` catches the others, each trigger's `condition` decides
(Motia 1.0 `src/new/build/utils.ts`: `flowContext`'s match and `is`, the conditions;
docs/content/docs/advanced-features/multi-trigger-steps.mdx, conditional-triggers.mdx)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from tests.helpers import wait_for
from tests.motia1.fixture import emit, logged, run_cron, served_fixture


async def test_typescript_http_queue_cron_with_match(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        synced = await client.post("/orders/sync", json={"orderId": "o-7", "force": True})
        assert synced.status_code == 200 and synced.json() == {"synced": "o-7"}
        assert await services.env.state.get("synced", "o-7") == {"force": True}
        await emit(client, "order.sync", {"orderId": "o-8"})
        assert await wait_for(lambda: services.env.state.get("synced", "o-8")) == {"force": False}
        # The queue trigger's condition refuses a blocked order: the handler never runs.
        await emit(client, "order.sync", {"orderId": "blocked"})
        await services.bus.wait_idle()
        assert await services.env.state.get("synced", "blocked") is None
        await run_cron(client, "OrderSync")
        await wait_for(lambda: [m for m, _ in logged(services, "OrderSync") if m == "hourly sync"])
        messages = logged(services, "OrderSync")
        assert ("sync requested by event", {"orderId": "o-8"}) in messages
        assert ("hourly sync", {"count": 2}) in messages


async def test_javascript_conditions_and_a_default_branch(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        await emit(client, "ticket.opened", {"id": "t-1", "type": "automated"})
        await emit(client, "ticket.opened", {"id": "t-2", "type": "manual"})
        routed = await client.post("/tickets", json={"id": "t-3", "approved": True})
        assert routed.status_code == 200 and routed.json() == {"routed": "t-3"}
        # An http condition that answers false: no route took the request.
        refused = await client.post("/tickets", json={"id": "t-4", "approved": False})
        assert refused.status_code == 404
        await run_cron(client, "TicketRouter")
        sweep = await wait_for(lambda: services.env.state.get("tickets", "sweep"))
        assert sweep == {"via": "cron", "data": None}
        await services.bus.wait_idle()
        tickets = await services.env.state.get("tickets", "t-1")
        assert tickets == {"via": "queue", "data": {"id": "t-1", "type": "automated"}}
        assert await services.env.state.get("tickets", "t-2") is None
        assert await services.env.state.get("tickets", "t-3") == {
            "via": "http",
            "data": {"id": "t-3", "approved": True},
        }
        assert await services.env.state.get("tickets", "t-4") is None


async def test_python_and_ruby_conditions_and_match(make_project: Callable[..., Path]) -> None:
    """Python: motia-py's triple_trigger_step.py form (helpers with `condition=`,
    `ctx.match({...})`); Ruby: `condition: ->(input, ctx)`, `ctx.match(queue: ->…,
    default: ->…)`."""
    cases = (
        ("incident.reported", "/py/incidents", "Triage", "incidents", "priority", "urgent"),
        ("courier.requested", "/rb/couriers", "DispatchRb", "couriers", "zone", "north"),
    )
    async with served_fixture(make_project) as (services, client):
        for topic, path, step, group, field, passing in cases:
            await emit(client, topic, {"id": "a", field: passing})
            await emit(client, topic, {"id": "b", field: "other"})
            form = {"id": "c", "approved": True, "verified": True}
            answer = await client.post(path, json=form)
            assert answer.status_code == 200, answer.text
            refused = await client.post(path, json={"id": "d"})
            assert refused.status_code == 404
            await run_cron(client, step)
            await wait_for(partial(services.env.state.get, group, "sweep"))
            await services.bus.wait_idle()
            stored = dict(await services.env.state.items(group))
            assert stored.pop("a") == {"via": "queue", "data": {"id": "a", field: passing}}
            assert stored.pop("c") == {"via": "http", "data": form}
            assert set(stored) == {"sweep"}, step  # b and d never ran the handler
        assert await services.env.state.get("incidents", "sweep") == {"via": "cron", "isCron": True}
        assert await services.env.state.get("couriers", "sweep") == {"via": "cron", "cron": True}

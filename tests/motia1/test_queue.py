"""Queue triggers and `enqueue` in the Motia 1.0 fixture: a queue handler gets the data
(Motia 1.0 `src/new/build/utils.ts`, the queue branch), `enqueue` from the module
(`src/new/enqueue.ts`) and `ctx.enqueue` both publish, a 0.17 step subscribed to the
same topic runs beside the 1.0 one, and one trace holds the whole chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import wait_for
from tests.motia1.fixture import emit, logged, served_fixture


async def test_typescript_chain_enqueues_from_module_and_ctx(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        created = await client.post("/orders", json={"item": "tea", "quantity": 3})
        assert created.status_code == 201
        order_id, trace_id = created.json()["orderId"], created.headers["x-trace-id"]
        stored = await wait_for(lambda: services.env.state.get("orders", order_id))
        assert stored == {"orderId": order_id, "item": "tea", "quantity": 3, "status": "stored"}
        await services.bus.wait_idle()
        # enqueue() from the module reached Notify, ctx.enqueue() reached Audit.
        assert ("notice sent", {"orderId": order_id, "total": 3, "traceId": trace_id}) in logged(
            services, "Notify"
        )
        audit = {"action": "stored", "orderId": order_id, "count": 0}
        assert ("audit", audit) in logged(services, "Audit")
        assert ("legacy step saw an order", {"orderId": order_id, "item": "tea"}) in logged(
            services, "Legacy"
        )
        trace = (await client.get(f"/__steppe/api/traces/{trace_id}")).json()
        emitted = {span["step"]: span["emitted"] for span in trace["spans"]}
        assert emitted["CreateOrder"] == ["order.created"]
        assert emitted["ProcessOrder"] == ["order.stored", "audit"]
        assert {"Legacy", "Notify", "Audit"} <= set(emitted)


async def test_javascript_chain_from_http_through_two_queues(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        sent = await client.post("/messages", json={"text": "MOCK hello"})
        assert sent.status_code == 202
        message_id = sent.json()["messageId"]
        stored = await wait_for(lambda: services.env.state.get("messages", message_id))
        assert stored == {
            "text": "MOCK HELLO",
            "trigger": {"type": "queue", "index": 0, "topic": "message.processed"},
        }


async def test_a_queue_trigger_input_schema_refuses_bad_data(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        refused = await client.post(
            "/__steppe/api/emit", json={"topic": "message.processed", "data": {"text": 1}}
        )
        assert refused.status_code == 400 and "StoreMessage" in refused.text
        await emit(client, "message.processed", {"messageId": "m-1", "text": "MOCK"})
        assert await wait_for(lambda: services.env.state.get("messages", "m-1"))


async def test_python_chain_enqueues_from_ctx_and_module(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        sent = await client.post("/py/notes", json={"text": "MOCK buy milk"})
        assert sent.status_code == 202
        note_id = sent.json()["noteId"]
        stored = await wait_for(lambda: services.env.state.get("notes", note_id))
        assert stored == {
            "noteId": note_id,
            "text": "MOCK buy milk",
            "words": 3,
            "topic": "py.note.processed",
        }


async def test_ruby_chain_enqueues_from_ctx_and_module(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        sent = await client.post("/rb/parcels", json={"weight": 12.5})
        assert sent.status_code == 202
        parcel_id = sent.json()["parcelId"]
        stored = await wait_for(lambda: services.env.state.get("parcels", parcel_id))
        assert stored == {
            "parcelId": parcel_id,
            "weight": 12.5,
            "heavy": True,
            "topic": "rb.parcel.weighed",
        }
        assert ("Weighing parcel", {"parcelId": parcel_id}) in logged(services, "WeighParcel")

"""The example project in steps/: the pet store chain crosses all four languages and
ends in state; the e-commerce chain (TS → JS → Python → Ruby) ends in a report."""

from __future__ import annotations

from tests.helpers import REPO_ROOT, serving


async def test_pet_store_chain_crosses_four_languages_and_ends_in_state() -> None:
    async with serving(REPO_ROOT) as (services, client):
        assert services.runtime.project.errors == []
        pet = await client.post("/pets", json={"name": "Rex", "species": "dog", "ageMonths": 14})
        assert pet.status_code == 201, pet.text  # TypeScript
        pet_id = pet.json()["id"]
        fetched = await client.get(f"/pets/{pet_id}")  # JavaScript
        assert fetched.status_code == 200 and fetched.json()["name"] == "Rex"
        order = await client.post(
            f"/pets/{pet_id}/food-orders", json={"food": "kibble", "quantity": 2}
        )  # Python
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        await services.bus.wait_idle()  # Ruby fulfils, JavaScript notifies
        notifications = await services.env.state.get("notifications", order_id)
        assert notifications, "NotifyOwner (JS) did not record a notification"
        answer = await client.get(f"/orders/{order_id}")  # Ruby
        assert answer.status_code == 200 and answer.json()["status"] == "fulfilled"
        trace = services.env.tracer.get(order.headers["x-trace-id"])
        assert trace is not None
        assert {s.language for s in trace.spans} == {"python", "ruby", "node"}
        assert [s.step for s in trace.spans] == ["OrderFood", "FulfillOrder", "NotifyOwner"]


async def test_ecommerce_chain_ends_in_a_report() -> None:
    async with serving(REPO_ROOT) as (services, client):
        created = await client.post(
            "/orders",
            json={"productId": "sku-42", "quantity": 1, "amount": 19.99, "currency": "usd"},
        )
        assert created.status_code == 201, created.text
        await services.bus.wait_idle()
        report = await services.env.state.get("reports", "latest")
        assert report is not None and "sku-42" in report["csv"]
        summary = await services.env.state.get("analytics", "summary")
        assert summary["totalOrders"] == 1
        status = (await client.get(f"/orders/{created.json()['id']}")).json()["status"]
        assert status == "paid"


async def test_example_errors_are_json() -> None:
    async with serving(REPO_ROOT) as (_, client):
        missing = await client.get("/pets/no-such-pet")
        assert missing.status_code == 404 and missing.json()
        invalid = await client.post(
            "/pets", json={"name": "Rex", "species": "dragon", "ageMonths": -1}
        )
        assert invalid.status_code == 400
        paths = {e["path"] for e in invalid.json()["errors"]}
        assert paths == {"species", "ageMonths"}


async def test_overdue_audit_cron_marks_old_pending_orders() -> None:
    async with serving(REPO_ROOT) as (services, _):
        state = services.env.state
        await state.set(
            "orders",
            "old-1",
            {
                "id": "old-1",
                "kind": "food",
                "petId": "p",
                "petName": "Rex",
                "food": "kibble",
                "quantity": 1,
                "status": "pending",
                "createdAt": "2020-01-01T00:00:00.000Z",
            },
        )
        await services.cron.run_now(services.runtime.project.steps["AuditOverdueOrders"])
        assert (await state.get("orders", "old-1"))["status"] == "overdue"

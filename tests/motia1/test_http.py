"""Http triggers of the Motia 1.0 fixture: the handler gets `{request, response}`
(Motia 1.0 `motia-js/packages/motia/src/new/build/utils.ts`, the http branch of
`createHandler`; docs/content/docs/concepts/steps.mdx, "HTTP Trigger"), the body is
validated against `bodySchema` before it runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.motia1.fixture import logged, served_fixture


async def test_typescript_http_trigger_validates_and_answers(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        bad = await client.post("/orders", json={"item": "", "quantity": 0})
        assert bad.status_code == 400
        assert {e["path"] for e in bad.json()["errors"]} == {"item", "quantity"}
        too_many = await client.post("/orders", json={"item": "tea", "quantity": 5000})
        assert too_many.status_code == 400 and too_many.json() == {"error": "too many"}
        ok = await client.post("/orders", json={"item": "tea", "quantity": 2, "note": "MOCK"})
        assert ok.status_code == 201
        assert ok.json() == {"orderId": f"order-{ok.headers['x-trace-id']}"}
        fields = {"item": "tea", "quantity": 2, "note": "MOCK", "method": "POST"}
        assert ("order received", fields) in logged(services, "CreateOrder")


async def test_javascript_http_trigger_reads_path_and_query_params(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        found = await client.get("/users/u-1?fields=name")
        assert found.status_code == 200
        assert found.json() == {"id": "u-1", "name": "MOCK Ada", "fields": "name"}
        missing = await client.get("/users/u-9")
        assert missing.status_code == 404 and missing.json() == {"error": "no such user"}
        assert ("Getting user", {"userId": "u-1"}) in logged(services, "GetUser")

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


async def test_python_one_argument_handler_returns_api_response(
    make_project: Callable[..., Path],
) -> None:
    """motia-py's form (docs concepts/steps.mdx, the Python tab): `handler(request)`,
    `request.path_params`, `ApiResponse(status=..., body=...)`."""
    async with served_fixture(make_project) as (services, client):
        answer = await client.get("/py/greetings/ann?lang=en")
        assert answer.status_code == 200
        assert answer.json() == {"greeting": "Hello, ann", "lang": "en"}
        assert ("Greeting", {"name": "ann"}) in logged(services, "GetGreeting")


async def test_python_and_ruby_http_body_schemas(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (_services, client):
        assert (await client.post("/py/notes", json={})).status_code == 400
        assert (await client.post("/rb/parcels", json={"weight": "heavy"})).status_code == 400


async def test_ruby_http_trigger(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        answer = await client.get("/rb/hello/bo?lang=fr")
        assert answer.status_code == 200
        assert answer.json() == {"greeting": "Hello, bo", "lang": "fr"}
        assert ("Greeting", {"name": "bo"}) in logged(services, "HelloRb")

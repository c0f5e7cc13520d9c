"""Per-trigger middleware in the Motia 1.0 fixture: `(args, ctx, next)` around the http
handler, able to answer instead of it or change its answer (Motia 1.0
`src/new/build/utils.ts`, the http branch's middleware chain;
docs/content/docs/development-guide/middleware.mdx)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.motia1.fixture import logged, served_fixture


async def test_typescript_middleware_refuses_or_wraps(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        blocked = await client.post(
            "/orders", json={"item": "tea", "quantity": 1}, headers={"x-api-key": "blocked"}
        )
        assert blocked.status_code == 401 and blocked.json() == {"error": "Unauthorized"}
        assert logged(services, "CreateOrder") == []
        ok = await client.post("/orders", json={"item": "tea", "quantity": 1})
        assert ok.status_code == 201
        answered = {"status": 201, "traceId": ok.headers["x-trace-id"]}
        assert ("create-order answered", answered) in logged(services, "CreateOrder")
        assert services.runtime.project.steps["CreateOrder"].middleware == ("requireKey",)


async def test_javascript_middleware(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (_services, client):
        refused = await client.get("/protected")
        assert refused.status_code == 401 and refused.json() == {"error": "Unauthorized"}
        ok = await client.get("/protected", headers={"authorization": "Bearer MOCK"})
        assert ok.status_code == 200 and ok.json() == {"message": "Success"}
        assert ok.headers["x-checked-by"] == "authMiddleware"


async def test_python_and_ruby_middleware(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (_services, client):
        for path in ("/py/protected", "/rb/protected"):
            refused = await client.get(path)
            assert refused.status_code == 401 and refused.json() == {"error": "Unauthorized"}
            ok = await client.get(path, headers={"authorization": "Bearer MOCK"})
            assert ok.status_code == 200 and ok.json() == {"message": "Success"}, path

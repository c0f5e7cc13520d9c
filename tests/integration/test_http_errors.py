"""Every error status of docs/reference.md §4, through a real server and a real Python runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.helpers import serving

STEPS = {
    "steps/items.step.py": """
config = {
    "type": "api", "name": "CreateItem", "method": "POST", "path": "/items/:id",
    "bodySchema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
    "queryParams": [{"name": "verbose", "description": "more output"}],
    "responseSchema": {"201": {"type": "object"}},
}

async def handler(req, context):
    return {"status": 201, "body": {"id": req["pathParams"]["id"], "n": req["body"]["n"]}}
""",
    "steps/boom.step.py": """
config = {"type": "api", "name": "Boom", "method": "GET", "path": "/boom"}

def handler(req, context):
    raise ValueError("secret internals")
""",
    "steps/slow.step.py": """
import asyncio
config = {
    "type": "api", "name": "Slow", "method": "GET", "path": "/slow",
    "infrastructure": {"handler": {"timeout": 0.3}},
}

async def handler(req, context):
    await asyncio.sleep(5)
    return {"status": 200, "body": "late"}
""",
    "steps/die.step.py": """
import os
config = {"type": "api", "name": "Die", "method": "GET", "path": "/die"}

async def handler(req, context):
    os._exit(3)
""",
    "steps/bad_result.step.py": """
config = {"type": "api", "name": "BadResult", "method": "GET", "path": "/bad-result"}

async def handler(req, context):
    return "not a response"
""",
}


def _assert_error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["traceId"] == response.headers["x-trace-id"]
    assert isinstance(body["error"], str) and body["error"]
    return body  # type: ignore[no-any-return]


async def test_success_and_every_error_status(make_project: Callable[..., Path]) -> None:
    project = make_project(STEPS)
    async with serving(project, body_limit=2048) as (_, client):
        ok = await client.post("/items/a%2Fb", json={"n": 3})
        assert ok.status_code == 201 and ok.json() == {"id": "a/b", "n": 3}
        assert len(ok.headers["x-trace-id"]) == 32

        malformed = await client.post(
            "/items/1", content=b'{"n": ', headers={"content-type": "application/json"}
        )
        assert "not valid JSON" in str(_assert_error(malformed, 400)["message"])

        invalid = await client.post("/items/1", json={"n": "three"})
        assert _assert_error(invalid, 400)["errors"] == [
            {"path": "n", "message": "'three' is not of type 'integer'"}
        ]
        missing = await client.post("/items/1", json={})
        assert _assert_error(missing, 400)["errors"] == [
            {"path": "n", "message": "'n' is a required property"}
        ]

        _assert_error(await client.get("/nowhere"), 404)
        wrong_method = await client.delete("/items/1")
        _assert_error(wrong_method, 405)
        assert wrong_method.headers["allow"] == "POST"

        too_big = await client.post("/items/1", content=b"[" + b"1," * 2000 + b"1]")
        assert "2048" in str(_assert_error(too_big, 413)["message"])

        threw = _assert_error(await client.get("/boom"), 500)
        assert threw["name"] == "ValueError" and threw["message"] == "secret internals"

        timed_out = _assert_error(await client.get("/slow"), 504)
        assert "0.3" in str(timed_out["message"])

        crashed = _assert_error(await client.get("/die"), 503)
        assert "runner" in str(crashed["message"])
        # The runner was restarted: the next request is served.
        assert (await client.post("/items/2", json={"n": 1})).status_code == 201

        bad = _assert_error(await client.get("/bad-result"), 500)
        assert "expected {status, body" in str(bad["message"])


async def test_start_mode_hides_handler_internals(make_project: Callable[..., Path]) -> None:
    project = make_project({"steps/boom.step.py": STEPS["steps/boom.step.py"]})
    async with serving(project, mode="start") as (services, client):
        body = _assert_error(await client.get("/boom"), 500)
        assert set(body) == {"error", "traceId"}
        # ... while the log keeps the details for the operator.
        logged = [e for e in services.env.logs.tail if e["traceId"] == body["traceId"]]
        assert any("secret internals" in e["msg"] for e in logged)


async def test_deeply_nested_json_is_a_400_not_a_crash(make_project: Callable[..., Path]) -> None:
    project = make_project({"steps/items.step.py": STEPS["steps/items.step.py"]})
    async with serving(project, body_limit=10_000_000) as (_, client):
        nested = b"[" * 200_000 + b"]" * 200_000
        _assert_error(await client.post("/items/1", content=nested), 400)


async def test_openapi_describes_every_api_step(make_project: Callable[..., Path]) -> None:
    project = make_project(STEPS)
    async with serving(project) as (_, client):
        response = await client.get("/openapi.json")
        assert response.status_code == 200 and "x-trace-id" in response.headers
        document = response.json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/items/{id}"]["post"]
    assert operation["operationId"] == "CreateItem"
    assert {(p["name"], p["in"]) for p in operation["parameters"]} == {
        ("id", "path"),
        ("verbose", "query"),
    }
    body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema["required"] == ["n"]
    assert {"201", "400", "413", "500", "503", "504"} <= set(operation["responses"])
    assert set(document["paths"]) == {"/items/{id}", "/boom", "/slow", "/die", "/bad-result"}

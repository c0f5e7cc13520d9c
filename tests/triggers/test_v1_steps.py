"""Motia 1.0 step files through the real server and the real Node runner: http, queue
and cron triggers, a step with several, conditions, per-trigger middleware, and 1.0
and 0.17 files chained both ways in one project.

The call shapes are Motia 1.0's motia-js/packages/motia/src/new/build/utils.ts
(`addStep`: an http handler gets {request, response} with the trigger's middleware
around it, a queue handler the data, a cron handler undefined; a condition is
called first, an http one with the plain request; `flowContext`: trigger, is,
getData, match). Steppe's choice for a false condition: http answers 404 as if no
route matched (Motia's engine finds no function), a queue delivery is done."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from rich.console import Console

from orchestrator.cli.report import steps_table
from orchestrator.wiring.server import Services
from tests.helpers import serving, wait_for
from tests.integration.test_cli import steppe
from tests.triggers.project import PROJECT


@asynccontextmanager
async def served(make_project: Callable[..., Path]) -> AsyncIterator[tuple[Services, Any]]:
    async with serving(make_project(PROJECT)) as (services, client):
        assert services.runtime.project.problems == [], services.runtime.project.problems
        yield services, client


async def test_an_http_trigger_gets_request_and_its_body_is_validated(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (_services, client):
        response = await client.post("/orders/north?note=hi", json={"item": "tea", "qty": 2})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["id"] == "north-tea" and body["note"] == "hi" and body["method"] == "POST"
        assert body["trigger"] == {
            "type": "http", "index": 0, "method": "POST", "path": "/orders/:shop"
        }  # fmt: skip
        assert body["rcBody"] == {"item": "tea", "qty": 2} and body["hasResponse"] is True
        bad = await client.post("/orders/north", json={"item": "tea"})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["path"] == "qty"


async def test_a_chain_from_1_0_to_0_17_and_from_0_17_to_1_0(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        assert (
            await client.post("/orders/south", json={"item": "mug", "qty": 1})
        ).status_code == 201
        record = await wait_for(lambda: services.env.state.get("orders", "south-mug"))
        assert record["data"] == {"id": "south-mug", "qty": 1} == record["got"]
        assert record["trigger"] == {"type": "queue", "index": 0, "topic": "order.created"}
        assert record["isQueue"] is True
        assert await wait_for(lambda: services.env.state.get("audit", "south-mug")) is True
        # 0.17 → 1.0: a 0.17 step's emit runs the 1.0 step's queue trigger.
        sent = await client.post("/emit", json={"topic": "multi.run", "data": {"n": 1}})
        assert sent.status_code == 202
        seen = await wait_for(lambda: services.env.state.get("multi", "queue"))
        assert seen["index"] == 1 and seen["data"] == {"n": 1}
        assert seen["is"] == {"http": False, "queue": True, "cron": False}


async def test_a_queue_trigger_input_schema_refuses_an_emit(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        refused = await client.post("/emit", json={"topic": "order.created", "data": {"id": 1}})
        assert refused.status_code == 500
        assert "RecordOrder" in refused.text
        # The trigger's `config`, by Motia 1.0's names, is the step's queue options.
        options = services.bus.options(services.runtime.project.steps["RecordOrder"])
        assert options.max_retries == 0
        assert (options.backoff.kind, options.backoff.delay_ms) == ("fixed", 10)


async def test_one_step_with_http_queue_and_cron_triggers(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        response = await client.post("/multi", json={"a": 1})
        assert response.status_code == 200, response.text
        seen = response.json()["seen"]
        assert seen["type"] == "http" and seen["index"] == 0 and seen["data"] == {"a": 1}
        assert seen["is"] == {"http": True, "queue": False, "cron": False}
        assert response.json()["body"] == {"a": 1}
        run = await client.post("/__steppe/api/cron/Multi/run")
        assert run.status_code == 202, run.text
        cron = await wait_for(lambda: services.env.state.get("multi", "cron"))
        assert cron["index"] == 2 and cron["inputIsUndefined"] is True and cron["data"] is None
        assert cron["is"] == {"http": False, "queue": False, "cron": True}
        assert [
            s.trigger for s in services.runtime.project.steps.values() if s.name == "Multi"
        ] == ["POST /multi, queue multi.run, cron 0 0 1 1 *"]


async def test_conditions_decide_whether_the_handler_runs(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        yes = await client.post("/vip", json={"vip": True, "n": 1})
        assert yes.status_code == 200 and yes.json() == {"ran": True}
        no = await client.post("/vip", json={"vip": False, "n": 2})
        assert no.status_code == 404 and no.json()["error"] == "no route for /vip"
        assert await services.env.state.get("cond", "http-2") is None
        for n, go in ((3, False), (4, True)):
            await client.post("/emit", json={"topic": "maybe", "data": {"go": go, "n": n}})
        assert await wait_for(lambda: services.env.state.get("cond", "queue-4")) is True
        await services.bus.wait_idle()
        assert await services.env.state.get("cond", "queue-3") is None
        # A false condition is an answer: the delivery is done, not retried or dead.
        assert services.bus.retries["Conditional"] == 0
        assert services.bus.dead_letters["Conditional"] == 0


async def test_middleware_runs_on_its_own_http_trigger_only(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        assert (await client.get("/guarded")).status_code == 401
        ok = await client.get("/guarded", headers={"x-user": "ann"})
        assert ok.status_code == 200 and ok.json() == {"user": "ann"}
        assert ok.headers["x-middleware"] == "http"
        open_ = await client.get("/open")
        assert open_.status_code == 200 and open_.json() == {"user": None}
        assert services.runtime.project.steps["Guarded"].middleware == ("auth",)


async def test_response_status_and_headers_set_an_empty_answer(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (_services, client):
        accepted = await client.put("/accept", headers={"x-id": "7"})
        assert accepted.status_code == 202 and accepted.content == b""
        assert accepted.headers["x-accepted"] == "7"
        sse = await client.get("/sse")  # a write and a return: the stream is the answer
        assert sse.status_code == 200 and sse.content == b"data: hi\n\n"
        assert sse.headers["transfer-encoding"] == "chunked"


async def test_openapi_graph_and_build_show_1_0_steps(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
        create = paths["/orders/{shop}"]["post"]
        assert create["operationId"] == "CreateOrder"
        assert create["requestBody"]["content"]["application/json"]["schema"]["required"] == [
            "item", "qty"
        ]  # fmt: skip
        assert [p["name"] for p in create["parameters"]] == ["shop", "note"]
        assert "201" in create["responses"]
        assert paths["/open"]["get"]["operationId"] == "Guarded#1"
        flows = (await client.get("/__steppe/api/flows")).json()["flows"]
        (orders,) = [f for f in flows if f["id"] == "orders"]
        edges = {(e["source"], e["target"]) for e in orders["edges"]}
        assert {("CreateOrder", "RecordOrder"), ("RecordOrder", "AuditOrder")} <= edges
        create_node = next(s for s in orders["nodes"] if s["name"] == "CreateOrder")
        assert create_node["type"] == "api" and create_node["motia"] == "1.0"
        assert create_node["triggers"][0]["path"] == "/orders/:shop"
        console = Console(width=200, record=True)
        console.print(steps_table(services.runtime.project))  # what `steppe build` prints
        build = console.export_text()
        assert "api (1.0)" in build and "queue order.created" in build


def test_steppe_run_calls_a_1_0_step_with_its_first_trigger(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(PROJECT)
    data = '{"item": "pen", "qty": 3}'
    run = steppe("run", "CreateOrder", "--dir", str(root), "--data", data, "--param", "shop=w")
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["result"]["body"]["id"] == "w-pen"
    assert report["result"]["body"]["trigger"]["type"] == "http"
    assert report["emits"] == [{"topic": "order.created", "data": {"id": "w-pen", "qty": 3}}]
    refused = steppe("run", "CreateOrder", "--dir", str(root), "--data", '{"item": 1}')
    assert refused.returncode != 0 and "does not match CreateOrder's schema" in refused.stderr

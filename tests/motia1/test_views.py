"""The Motia 1.0 fixture as the OpenAPI document, the flow graph and `steppe build` show
it, 0.17 and 1.0 steps side by side (issue 18, Deliver 1). The responses come from the
http trigger's `responseSchema` (Motia 1.0 `motia-js/packages/motia/src/types.ts`,
`ApiTrigger.responseSchema`), the edges from `enqueues` and the queue triggers' topics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from orchestrator.cli.report import steps_table
from tests.motia1.fixture import served_fixture


async def test_openapi_flows_and_build_show_both_versions(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
        create = paths["/orders"]["post"]
        assert create["operationId"] == "CreateOrder"
        assert {"201", "400"} <= set(create["responses"])
        body = create["requestBody"]["content"]["application/json"]["schema"]
        assert body["required"] == ["item", "quantity"]
        assert [p["name"] for p in paths["/users/{id}"]["get"]["parameters"]] == ["id"]
        flows = {f["id"]: f for f in (await client.get("/__steppe/api/flows")).json()["flows"]}
        orders = flows["orders"]
        edges = {(e["source"], e["target"]) for e in orders["edges"]}
        assert {
            ("CreateOrder", "ProcessOrder"),
            ("CreateOrder", "Legacy"),
            ("ProcessOrder", "Notify"),
            ("ProcessOrder", "Audit"),
            ("DailyReport", "Audit"),
        } <= edges
        versions = {n["name"]: n.get("motia") for n in orders["nodes"]}
        assert versions["CreateOrder"] == "1.0" and versions["Legacy"] != "1.0"
        messaging = {(e["source"], e["target"]) for e in flows["messaging"]["edges"]}
        assert messaging == {("SendMessage", "ProcessMessage"), ("ProcessMessage", "StoreMessage")}
        console = Console(width=200, record=True)
        console.print(steps_table(services.runtime.project))  # what `steppe build` prints
        build = console.export_text()
        assert "api (1.0)" in build and "queue order.created" in build and "Legacy" in build

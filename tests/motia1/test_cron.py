"""Cron triggers in the Motia 1.0 fixture: the handler gets no input (`undefined`) and
`ctx.trigger` names the expression (Motia 1.0 `src/new/build/utils.ts`, the cron branch;
docs/content/docs/concepts/steps.mdx, "Cron Trigger"), built with `cron()` and `step()`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import wait_for
from tests.motia1.fixture import logged, run_cron, served_fixture


async def test_javascript_cron_with_seven_fields(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        await run_cron(client, "DailyCleanup")
        last = await wait_for(lambda: services.env.state.get("cleanup", "last"))
        assert last == {
            "input": None,
            "trigger": {"type": "cron", "index": 0, "expression": "0 0 0 * * * *"},
        }


async def test_typescript_cron_step_helper_enqueues(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        await services.env.state.set("orders", "o-1", {"orderId": "o-1"})
        await services.env.state.set("orders", "o-2", {"orderId": "o-2"})
        await run_cron(client, "DailyReport")
        await wait_for(lambda: logged(services, "Audit"))
        report = {"orders": 2, "trigger": "cron", "input": None}
        assert ("daily report", report) in logged(services, "DailyReport")
        audit = {"action": "reported", "orderId": None, "count": 2}
        assert logged(services, "Audit") == [("audit", audit)]


async def test_python_and_ruby_cron_get_no_input(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, client):
        await run_cron(client, "NightlyDigest")
        await run_cron(client, "WeeklySweep")
        digest = await wait_for(lambda: services.env.state.get("digest", "last"))
        assert digest == {"input": None, "expression": "0 0 0 * * * *"}
        sweep = await wait_for(lambda: services.env.state.get("sweep", "last"))
        assert sweep == {"input": None, "expression": "0 0 0 * * 1 *"}

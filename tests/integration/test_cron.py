"""Cron steps on real schedules: 6-field (seconds first) ticks, and no stacking of slow runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestrator.model.schedule import CronExpressionError, schedule, validate_expression
from tests.helpers import serving, wait_for

TICKER = """
config = {"type": "cron", "name": "Ticker", "cron": "* * * * * *", "emits": []}

async def handler(context):
    runs = await context.state.get("ticks", "runs") or []
    runs.append(context.trace_id)
    await context.state.set("ticks", "runs", runs)
"""

SLOW = """
import asyncio
config = {"type": "cron", "name": "SlowJob", "cron": "* * * * * *", "emits": []}

async def handler(context):
    await asyncio.sleep(2.5)
"""


async def test_a_one_second_cron_fires_each_in_its_own_trace(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project({"steps/ticker.step.py": TICKER})) as (services, _):

        async def two_runs() -> bool:
            return len(await services.env.state.get("ticks", "runs") or []) >= 2

        await wait_for(two_runs, timeout=5)
        runs = await services.env.state.get("ticks", "runs")
        assert len(set(runs)) == len(runs)  # a new trace per tick
        trace = services.env.tracer.get(runs[0])
        assert trace is not None and trace.trigger == "cron"


async def test_a_tick_due_while_the_last_run_is_going_is_skipped(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project({"steps/slow.step.py": SLOW})) as (services, _):
        await wait_for(lambda: services.cron.skipped.get("SlowJob", 0) >= 1, timeout=5)
        assert services.cron.started["SlowJob"] == 1
        assert any("skipped" in e["msg"] for e in services.env.logs.tail)


def test_six_fields_put_seconds_first() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = schedule("*/15 * * * * *", start)
    assert [times.get_next(datetime).second for _ in range(3)] == [15, 30, 45]
    five = schedule("*/5 * * * *", start)
    assert five.get_next(datetime).minute == 5


@pytest.mark.parametrize("expression", ["", "* * *", "61 * * * *", "* * * * * * * *", "nope"])
def test_invalid_expressions_are_reported(expression: str) -> None:
    assert validate_expression(expression) is not None
    with pytest.raises(CronExpressionError):
        schedule(expression, datetime.now(UTC))

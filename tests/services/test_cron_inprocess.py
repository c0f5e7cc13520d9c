"""The cron scheduler in process: a stub invoker and trio's virtual clock, which the
scheduler reads as its wall clock, so ticks land on exact virtual seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import trio
import trio.testing

from orchestrator.core.logs import LogSink
from orchestrator.core.types import JSON
from orchestrator.model.step import Step
from orchestrator.services.cron import CronScheduler
from orchestrator.services.project import Project
from tests.helpers import virtual_wall_clock
from tests.stub_invoker import StubInvoker, fails, hangs

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: on a whole minute, so ticks are whole seconds
EVERY_SECOND = "* * * * * *"


def cron_step(name: str, expression: str = EVERY_SECOND) -> Step:
    config = {"type": "cron", "name": name, "cron": expression, "emits": []}
    return Step(name, "cron", Path(f"steps/{name}.step.py"), "python", config)


@asynccontextmanager
async def running_cron(
    stub: StubInvoker, *steps: Step, logs: LogSink | None = None
) -> AsyncIterator[CronScheduler]:
    """A scheduler serving `steps` with `stub` on the virtual wall clock, from START."""
    cron = CronScheduler(steps, stub, logs or LogSink(None, None), clock=virtual_wall_clock(START))
    async with trio.open_nursery() as nursery:
        await nursery.start(cron.serve)
        yield cron
        nursery.cancel_scope.cancel()


def tick_times(stub: StubInvoker, step: str) -> list[float]:
    return [call.at for call in stub.calls_of(step)]


async def test_each_tick_runs_the_step_in_a_new_cron_trace(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    async with running_cron(stub, cron_step("Report", "*/2 * * * * *")) as cron:
        await trio.sleep(7)
        assert cron.started == {"Report": 3}
    assert tick_times(stub, "Report") == [2.0, 4.0, 6.0]
    assert [(trigger, detail) for _, trigger, detail in stub.traces] == [
        ("cron", "*/2 * * * * *")
    ] * 3
    assert [call.trace_id for call in stub.calls] == [trace for trace, _, _ in stub.traces]


async def test_a_tick_while_the_previous_run_is_going_is_skipped(
    autojump_clock: trio.testing.MockClock,
) -> None:
    release = trio.Event()
    stub = StubInvoker()
    stub.on("Slow", hangs(release))
    logs = LogSink(None, None)
    async with running_cron(stub, cron_step("Slow"), logs=logs) as cron:
        await trio.sleep(3.5)
        # The run started at 1 s is still going: the ticks at 2 s and 3 s are skipped.
        assert tick_times(stub, "Slow") == [1.0]
        assert cron.skipped == {"Slow": 2}
        release.set()  # the run ends at 3.5 s; the tick at 4 s runs
        await trio.sleep(1)
        assert tick_times(stub, "Slow") == [1.0, 4.0]
        assert cron.started == {"Slow": 2} and cron.skipped == {"Slow": 2}
    skips = [e for e in logs.tail if "skipped" in e["msg"]]
    assert [(e["level"], e["step"]) for e in skips] == [("warn", "Slow")] * 2


async def test_a_failed_run_is_logged_and_the_schedule_goes_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    stub.on("Broken", fails("no database"))
    logs = LogSink(None, None)
    async with running_cron(stub, cron_step("Broken"), logs=logs):
        await trio.sleep(2.5)
    assert tick_times(stub, "Broken") == [1.0, 2.0]
    errors = [e for e in logs.tail if e["level"] == "error"]
    assert len(errors) == 2 and all("no database" in e["msg"] for e in errors)
    assert [e["traceId"] for e in errors] == [call.trace_id for call in stub.calls]


async def test_use_project_schedules_a_new_step_and_stops_a_removed_one(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    kept, gone, added = cron_step("Kept"), cron_step("Gone"), cron_step("Added")
    async with running_cron(stub, kept, gone) as cron:
        await trio.sleep(1.5)
        cron.use_project(Project(Path("."), steps={"Kept": kept, "Added": added}))
        await trio.sleep(2)
    assert tick_times(stub, "Kept") == [1.0, 2.0, 3.0]  # not restarted: unchanged
    assert tick_times(stub, "Gone") == [1.0]
    assert tick_times(stub, "Added") == [2.0, 3.0]


async def test_use_project_lets_a_removed_steps_run_in_progress_finish(
    autojump_clock: trio.testing.MockClock,
) -> None:
    release = trio.Event()
    finished: list[float] = []

    async def slow_run() -> JSON:
        await release.wait()
        finished.append(trio.current_time())
        return None

    stub = StubInvoker()
    stub.on("Slow", slow_run)
    async with running_cron(stub, cron_step("Slow")) as cron:
        await trio.sleep(1.5)
        cron.use_project(Project(Path("."), steps={}))
        await trio.sleep(1)
        release.set()
        await trio.sleep(2)
    assert tick_times(stub, "Slow") == [1.0]
    assert finished == [2.5]


async def test_use_project_restarts_an_edited_steps_schedule(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stub = StubInvoker()
    async with running_cron(stub, cron_step("Job", "*/5 * * * * *")) as cron:
        await trio.sleep(1.5)
        cron.use_project(Project(Path("."), steps={"Job": cron_step("Job", "*/2 * * * * *")}))
        await trio.sleep(5)
    assert tick_times(stub, "Job") == [2.0, 4.0, 6.0]
    assert {call.step.cron for call in stub.calls} == {"*/2 * * * * *"}


async def test_each_cron_trigger_of_a_1_0_step_has_its_own_schedule(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Motia 1.0 registers one cron trigger per entry of `triggers` (motia-js/packages/
    motia/src/new/build/utils.ts, `addStep`); so does Steppe, keyed `Name#index`."""
    config = {
        "name": "Twice",
        "triggers": [
            {"type": "cron", "expression": "*/2 * * * * *"},
            {"type": "queue", "topic": "t"},
            {"type": "cron", "expression": "*/3 * * * * *"},
        ],
    }
    step = Step("Twice", "event", Path("steps/twice.step.ts"), "node", config)
    stub = StubInvoker()
    async with running_cron(stub, step):
        await trio.sleep(6.5)
    details = sorted(detail for _, _, detail in stub.traces)
    assert details == ["*/2 * * * * *"] * 3 + ["*/3 * * * * *"] * 2

"""Running cron steps on their schedule.

Each tick starts a trace. A tick that comes while the previous run of the same
step is still going is skipped and logged, never stacked: a slow job must not
pile up copies of itself.

With several instances sharing Redis (docs/reference.md §11) each tick fires on one of them: the
one that takes the tick's lock (`TickLock`, a `SET NX PX` per step and tick).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

import trio

from orchestrator.core.errors import SteppeError
from orchestrator.core.logs import LogSink
from orchestrator.model.schedule import CronExpressionError, schedule
from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger
from orchestrator.services.invoker import SKIPPED, Invoker
from orchestrator.services.project import Project

TickLock = Callable[[str, float], Awaitable[bool]]
"""(schedule key, tick time in epoch seconds) -> True when this instance fires the tick."""

Schedule = tuple[Step, Trigger]
"""One cron trigger of a step: each has its own schedule (a 1.0 step may have several)."""


def schedules_of(steps: Iterable[Step]) -> dict[str, Schedule]:
    """Every cron trigger by its key: the step's name, with `#index` when the step has
    more than one (the key names the tick's lock and the skipped count)."""
    found: dict[str, Schedule] = {}
    for step in steps:
        crons = step.cron_triggers
        for trigger in crons:
            key = step.name if len(crons) == 1 else f"{step.name}#{trigger.index}"
            found[key] = (step, trigger)
    return found


class CronScheduler:
    def __init__(
        self,
        steps: Iterable[Step],
        invoker: Invoker,
        logs: LogSink,
        *,
        clock: Callable[[], float] = time.time,
        lock: TickLock | None = None,
    ) -> None:
        """`clock` (epoch seconds) is what schedules are read against; tests pass
        trio's virtual time. `lock`: the instances to share ticks with (None: none)."""
        self._steps = list(steps)
        self._schedules: dict[str, Schedule] = {}
        self._invoker = invoker
        self._logs = logs
        self._clock = clock
        self._lock = lock
        self._scopes: dict[str, tuple[Schedule, trio.CancelScope]] = {}
        self._nursery: trio.Nursery | None = None
        self.skipped: dict[str, int] = {}
        self.started: dict[str, int] = {}

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            self._schedule(self._steps)
            task_status.started()

    def use_project(self, project: Project) -> None:
        """Schedule a reloaded project's cron steps: a removed or edited step's schedule
        stops (a run in progress finishes), a new or edited one starts."""
        self._schedule(project.steps.values())

    def _schedule(self, steps: Iterable[Step]) -> None:
        assert self._nursery is not None
        self._schedules = schedules_of(steps)
        for key, ((step, trigger), scope) in list(self._scopes.items()):
            if self._schedules.get(key) != (step, trigger):
                scope.cancel()
                del self._scopes[key]
        for key, (step, trigger) in self._schedules.items():
            if key not in self._scopes:
                scope = trio.CancelScope()
                self._scopes[key] = ((step, trigger), scope)
                self._nursery.start_soon(self._scheduled, key, step, trigger, scope)

    async def _scheduled(
        self, key: str, step: Step, trigger: Trigger, scope: trio.CancelScope
    ) -> None:
        with scope:
            await self._run_schedule(key, step, trigger)

    async def _run_schedule(self, key: str, step: Step, trigger: Trigger) -> None:
        try:
            times = schedule(trigger.expression, datetime.fromtimestamp(self._clock(), UTC))
        except CronExpressionError as exc:
            self._logs.write("error", str(exc), step=step.name)
            return
        running = False

        async def tick() -> None:
            nonlocal running
            try:
                await self.run_now(step, trigger)
            finally:
                running = False

        # Runs go to the scheduler's nursery, outside this schedule's cancel scope: when
        # a reload replaces the step, its schedule stops but a run in progress finishes.
        assert self._nursery is not None
        while True:
            due: datetime = times.get_next(datetime)
            await trio.sleep(max(0.0, due.timestamp() - self._clock()))
            if running:
                self.skipped[key] = self.skipped.get(key, 0) + 1
                self._logs.write(
                    "warn",
                    f"cron tick at {due.isoformat()} skipped: the previous run is still going",
                    step=step.name,
                )
                continue
            if not await self._take(key, step, due):
                continue
            running = True
            self._nursery.start_soon(tick)

    async def _take(self, key: str, step: Step, due: datetime) -> bool:
        """Whether this instance fires the tick (the lock's, when shared); a tick whose lock
        cannot be asked for (Redis lost) is skipped and logged."""
        if self._lock is None:
            return True
        try:
            return await self._lock(key, due.timestamp())
        except SteppeError as exc:
            self._logs.write(
                "error", f"cron tick at {due.isoformat()} skipped: {exc}", step=step.name
            )
            return False

    async def run_now(self, step: Step, trigger: Trigger | None = None) -> None:
        """One run of the step (its first cron trigger unless told) in a new trace;
        failures are logged, never raised."""
        trigger = trigger or step.cron_triggers[0]
        self.started[step.name] = self.started.get(step.name, 0) + 1
        trace_id = self._invoker.start_trace("cron", trigger.expression)
        await run_cron(self._invoker, self._logs, step, trigger, trace_id)


async def run_cron(
    invoker: Invoker, logs: LogSink, step: Step, trigger: Trigger, trace_id: str
) -> None:
    """Run a cron trigger's step once in `trace_id`; failures are logged, never raised,
    and a false condition is logged at debug (the tick is done)."""
    try:
        result = await invoker.invoke(step, trace_id, trigger=trigger)
    except SteppeError as exc:
        logs.write("error", f"cron run failed: {exc}", step=step.name, trace_id=trace_id)
        return
    if result is SKIPPED:
        message = f"cron {trigger.expression}: the condition is false; the handler did not run"
        logs.write("debug", message, step=step.name, trace_id=trace_id)

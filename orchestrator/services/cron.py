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
from orchestrator.services.invoker import Invoker
from orchestrator.services.project import Project

TickLock = Callable[[str, float], Awaitable[bool]]
"""(step name, tick time in epoch seconds) -> True when this instance fires the tick."""


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
        self._steps = {s.name: s for s in steps if s.type == "cron"}
        self._invoker = invoker
        self._logs = logs
        self._clock = clock
        self._lock = lock
        self._scopes: dict[str, tuple[Step, trio.CancelScope]] = {}
        self._nursery: trio.Nursery | None = None
        self.skipped: dict[str, int] = {}
        self.started: dict[str, int] = {}

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            self._schedule(self._steps.values())
            task_status.started()

    def use_project(self, project: Project) -> None:
        """Schedule a reloaded project's cron steps: a removed or edited step's schedule
        stops (a run in progress finishes), a new or edited one starts."""
        self._schedule(project.steps.values())

    def _schedule(self, steps: Iterable[Step]) -> None:
        assert self._nursery is not None
        self._steps = {s.name: s for s in steps if s.type == "cron"}
        for name, (step, scope) in list(self._scopes.items()):
            if self._steps.get(name) is not step:
                scope.cancel()
                del self._scopes[name]
        for name, step in self._steps.items():
            if name not in self._scopes:
                scope = trio.CancelScope()
                self._scopes[name] = (step, scope)
                self._nursery.start_soon(self._scheduled, step, scope)

    async def _scheduled(self, step: Step, scope: trio.CancelScope) -> None:
        with scope:
            await self._run_step(step)

    async def _run_step(self, step: Step) -> None:
        try:
            times = schedule(step.cron, datetime.fromtimestamp(self._clock(), UTC))
        except CronExpressionError as exc:
            self._logs.write("error", str(exc), step=step.name)
            return
        running = False

        async def tick() -> None:
            nonlocal running
            try:
                await self.run_now(step)
            finally:
                running = False

        # Runs go to the scheduler's nursery, outside this schedule's cancel scope: when
        # a reload replaces the step, its schedule stops but a run in progress finishes.
        assert self._nursery is not None
        while True:
            due: datetime = times.get_next(datetime)
            await trio.sleep(max(0.0, due.timestamp() - self._clock()))
            if running:
                self.skipped[step.name] = self.skipped.get(step.name, 0) + 1
                self._logs.write(
                    "warn",
                    f"cron tick at {due.isoformat()} skipped: the previous run is still going",
                    step=step.name,
                )
                continue
            if not await self._take(step, due):
                continue
            running = True
            self._nursery.start_soon(tick)

    async def _take(self, step: Step, due: datetime) -> bool:
        """Whether this instance fires the tick (the lock's, when shared); a tick whose lock
        cannot be asked for (Redis lost) is skipped and logged."""
        if self._lock is None:
            return True
        try:
            return await self._lock(step.name, due.timestamp())
        except SteppeError as exc:
            self._logs.write(
                "error", f"cron tick at {due.isoformat()} skipped: {exc}", step=step.name
            )
            return False

    async def run_now(self, step: Step) -> None:
        """One run of the step in a new trace; failures are logged, never raised."""
        self.started[step.name] = self.started.get(step.name, 0) + 1
        trace_id = self._invoker.start_trace("cron", step.cron)
        try:
            await self._invoker.invoke(step, trace_id)
        except SteppeError as exc:
            self._logs.write("error", f"cron run failed: {exc}", step=step.name, trace_id=trace_id)

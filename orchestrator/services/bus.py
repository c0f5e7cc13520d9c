"""The event bus: topics to subscribers, one delivery per subscribing step, queue
options, retries with backoff, dead letters (docs/reference.md §6, §12).

An emit is checked (declared topic, subscriber schemas) before it is accepted;
once accepted, its deliveries are in the store (durable with SQLite) before the
emitting call returns. The store decides which may start (`DeliveryStore.claim`:
delays, backoffs, FIFO groups, concurrency and rate limits); each step has one
dispatcher task that claims and starts them, and waits for the next thing that can
free one: a delivery arriving or finishing, a delay or a rate window ending. A
delivery is removed from the store only after its handler succeeded, is retried on
failure, and is dead-lettered after its last retry. After a crash, whatever the
store still holds is delivered again: at least once, per subscribing step.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import trio

from orchestrator.core.errors import CallbackError, SteppeError
from orchestrator.core.ids import time_ordered_id
from orchestrator.core.logs import LogSink
from orchestrator.core.metrics import ACCEPT_BUCKETS, Histogram
from orchestrator.core.tracing import TraceParent
from orchestrator.model.step import Step
from orchestrator.runtime.host import Invocation
from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.invoker import SKIPPED, Invoker, error_record
from orchestrator.services.project import Project
from orchestrator.services.queue_options import QueueOptions
from orchestrator.services.trace_budget import DEFAULT_MAX_TRACE_DELIVERIES, TraceBudget
from orchestrator.stores.queue.base import UNLIMITED, Delivery, DeliveryStore, Event
from orchestrator.stores.sqlite_worker import StorageError

# An emit chain deeper than this is a loop (a step emitting to itself forever).
DEFAULT_MAX_DEPTH = 64
# Like an SQS FIFO queue's deduplication window.
DEFAULT_IDEMPOTENCY_WINDOW = 300.0
# Past a wake-up time, so that a clock read a hair early does not find it not yet due.
_WAKE_SLACK = 1e-6


class StepRemoved(SteppeError):
    """Raised for a delivery whose step a reload removed; it goes to the dead letters."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """What `publish` did: the event, and whether an idempotency key made it a repeat
    (accepted, not delivered again)."""

    event: Event
    duplicate: bool = False


class EventBus:
    """Serves `emit` (the Emitter of the context router) and runs deliveries."""

    def __init__(
        self,
        steps: Mapping[str, Step],
        invoker: Invoker,
        logs: LogSink,
        store: DeliveryStore,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
        idempotency_window: float = DEFAULT_IDEMPOTENCY_WINDOW,
        max_trace_deliveries: int = DEFAULT_MAX_TRACE_DELIVERIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` (epoch seconds) stamps events and failures, times delays, backoffs
        and rate windows, and measures the idempotency window; tests pass trio's
        virtual time."""
        self._steps = steps
        self._invoker = invoker
        self._logs = logs
        self.store = store
        self._max_depth = max_depth
        self._idempotency_window = idempotency_window
        self._budget = TraceBudget(max_trace_deliveries)
        self._clock = clock
        # One per step with a dispatcher: set to make it claim again.
        self._wakes: dict[str, trio.Event] = {}
        self._options: dict[str, tuple[Step, QueueOptions]] = {}
        self._dispatch: trio.Nursery | None = None
        self._running: trio.Nursery | None = None
        self._stop = trio.Event()
        self._outstanding = 0
        self._idle = trio.Event()
        self._idle.set()
        self._in_progress = 0
        self._none_in_progress = trio.Event()
        self._none_in_progress.set()
        self.delivered = 0
        # By step, for /__steppe/metrics: failed attempts retried, deliveries dead-lettered.
        self.retries: Counter[str] = Counter()
        self.dead_letters: Counter[str] = Counter()
        # The wait of each emit for the store's accept (its durability), in seconds.
        self.accepts = Histogram(ACCEPT_BUCKETS)

    async def serve(
        self,
        grace: float = 10.0,
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Deliver until `stop()`; then let running deliveries finish within `grace`
        seconds. What is still queued stays in the store for the next start."""
        async with trio.open_nursery() as running:
            self._running = running
            async with trio.open_nursery() as dispatch:
                self._dispatch = dispatch
                await self._recover()
                self._start_dispatchers()
                task_status.started()
                await self._stop.wait()
                dispatch.cancel_scope.cancel()
            with trio.move_on_after(grace):
                await self._none_in_progress.wait()
            running.cancel_scope.cancel()

    def stop(self) -> None:
        """Stop starting deliveries (see `serve`)."""
        self._stop.set()

    def use_project(self, project: Project) -> None:
        """Deliver to a reloaded project's steps. A step that is new gets a dispatcher;
        an edited one's options apply from its next claim; a removed one's deliveries
        are dead-lettered when their turn comes, or, on a shared queue, left there for
        the instances that still serve the step (`_leave_to_others`)."""
        self._steps = project.steps
        self._start_dispatchers()
        for name in self._wakes:
            self._wake(name)

    def options(self, step: Step) -> QueueOptions:
        """The step's queue options (read once per version of the step)."""
        known = self._options.get(step.name)
        if known is None or known[0] is not step:
            known = self._options[step.name] = (step, QueueOptions.of(step))
        return known[1]

    async def queues(self) -> list[dict[str, Any]]:
        """Per event step: its queue options and how many deliveries run, wait and are
        delayed (the workbench's queue view)."""
        now = self._clock()
        views = []
        for step in self._steps.values():
            if step.consumes_events:
                counts = await self.store.counts(step.name, now)
                views.append(
                    {"step": step.name, "options": self.options(step).as_json()} | counts.as_json()
                )
        return views

    def _start_dispatchers(self) -> None:
        assert self._dispatch is not None
        for step in self._steps.values():
            if step.consumes_events and step.name not in self._wakes:
                self._wakes[step.name] = trio.Event()
                self._dispatch.start_soon(self._dispatcher, step)

    def _wake(self, name: str) -> None:
        wake = self._wakes.get(name)
        if wake is not None:
            wake.set()

    async def _recover(self) -> None:
        """Count what an earlier run accepted and did not finish (the dispatchers
        deliver it); dead-letter what is for a step that is gone. A shared store holds
        what other live instances accepted and run too, and steps of another version of
        the project (a rolling deploy): nothing there is this instance's to count or bury."""
        recovered = await self.store.pending()
        if self.store.shared:
            self._left_to_others(recovered)
            return
        for delivery in recovered:
            step = self._steps.get(delivery.step)
            if step is not None and step.consumes_events:
                self._count(1)
                continue
            delivery.errors.append(
                {"name": "StepNotFound", "message": f"no event step {delivery.step} any more",
                 "stack": None, "attempt": delivery.attempts, "time": self._clock()}
            )  # fmt: skip
            await self.store.bury(delivery)
        if recovered:
            self._logs.write("info", f"recovered {len(recovered)} undelivered event(s)")

    def _left_to_others(self, pending: list[Delivery]) -> None:
        """Say once what the shared queue holds for steps this instance does not serve."""
        unknown = Counter(
            d.step for d in pending if getattr(self._steps.get(d.step), "type", None) != "event"
        )
        if unknown:
            steps = ", ".join(f"{step} ({n})" for step, n in sorted(unknown.items()))
            self._logs.write(
                "info",
                f"the shared queue holds {unknown.total()} delivery(ies) for event steps this "
                f"instance does not have: {steps}; left for the instances that serve them",
            )

    async def emit(
        self, invocation: Invocation, event: EmitRequest, subscribers: list[Step]
    ) -> None:
        """Accept an emit made by a running handler (already checked by the router)."""
        depth = invocation.depth + 1
        if depth > self._max_depth:
            raise CallbackError(
                "EmitDepthExceeded",
                f"{invocation.owner} emitted '{event.topic}' {depth} emits deep in trace "
                f"{invocation.trace_id}; the limit is {self._max_depth} (an emit loop?)",
            )
        await self.publish(
            event, subscribers, invocation.trace_id, invocation.owner, depth,
            traceparent=invocation.traceparent,
        )  # fmt: skip

    async def publish(
        self,
        request: EmitRequest,
        subscribers: list[Step],
        trace_id: str,
        source: str | None,
        depth: int = 1,
        *,
        traceparent: str | None = None,
    ) -> Accepted:
        """Store one delivery per subscriber, then start them; returns once durable.
        `traceparent` is the emitting span's: each delivery's span is its child."""
        event = Event(
            time_ordered_id(),
            request.topic,
            request.data,
            trace_id,
            source,
            depth,
            self._clock(),
            request.idempotency_key,
            request.message_group_id,
            traceparent,
        )
        if request.idempotency_key is not None:
            key = f"{request.topic}\x00{request.idempotency_key}"
            if not await self.store.claim_key(key, event.created, self._idempotency_window):
                self._logs.write(
                    "info",
                    f"'{event.topic}' with idempotency key {request.idempotency_key!r} was "
                    "already accepted; not delivered again",
                    step=source,
                    trace_id=trace_id,
                )
                return Accepted(event, duplicate=True)
        deliveries = [self._delivery(event, step, request.delay_seconds) for step in subscribers]
        if deliveries and not self._budget.spend(trace_id, len(deliveries)):
            await self._over_budget(event, deliveries)
            return Accepted(event)
        # Counted first: a store that accepted them will deliver them even if this
        # call is cancelled while it waits for the write.
        self._count(len(deliveries))
        began = time.perf_counter()
        try:
            replaced = await self.store.accept(event, deliveries)
        except Exception:  # not accepted (trio.Cancelled is not an Exception)
            for _ in deliveries:
                self._settled()
            raise
        self.accepts.observe(time.perf_counter() - began)
        self._replaced(replaced)
        for delivery in deliveries:
            self._wake(delivery.step)
        if not subscribers:
            self._logs.write(
                "debug", f"'{event.topic}' has no subscribers", step=source, trace_id=trace_id
            )
        return Accepted(event)

    def _delivery(self, event: Event, step: Step, delay_seconds: float | None) -> Delivery:
        """A new delivery of the event to the step, placed as the step's options say."""
        options = self.options(step)
        delay = options.delay_of(delay_seconds)
        return Delivery(
            time_ordered_id(),
            event,
            step.name,
            available_at=event.created + delay if delay > 0 else 0.0,
            group=options.group_of(event.data, event.message_group_id),
            debounce=options.debounce_of(event.data),
        )

    def _replaced(self, replaced: list[Delivery]) -> None:
        """Deliveries a debounced one replaced: never run, settled."""
        for delivery in replaced:
            self._logs.write(
                "debug",
                f"'{delivery.event.topic}' ({delivery.event.id}) was replaced by a later event "
                "within the debounce period",
                step=delivery.step,
                trace_id=delivery.event.trace_id,
            )
            self._settled()

    async def _over_budget(self, event: Event, deliveries: list[Delivery]) -> None:
        """Dead-letter deliveries a trace may not make: kept, never run, so the fan-out
        stops here and an operator can see (and replay) what it would have done."""
        message = (
            f"trace {event.trace_id} reached max_trace_deliveries "
            f"({self._budget.limit}); '{event.topic}' was not delivered (an emit loop?)"
        )
        for delivery in deliveries:
            delivery.errors.append(
                {"name": "TraceDeliveryLimit", "message": message, "stack": None,
                 "attempt": 0, "time": self._clock()}
            )  # fmt: skip
        await self.store.accept_dead(event, deliveries)
        self.dead_letters.update(delivery.step for delivery in deliveries)
        self._logs.write("error", message, step=event.source, trace_id=event.trace_id)

    async def replay(self, ids: Iterable[str] | None) -> list[Delivery]:
        """Deliver dead letters again (all when `ids` is None), from a first attempt."""
        revived = await self.store.revive(ids)
        for delivery in revived:
            if delivery.step in self._wakes:
                self._count(1)
                self._wake(delivery.step)
        return revived

    def _count(self, deliveries: int) -> None:
        self._outstanding += deliveries
        if self._outstanding and self._idle.is_set():
            self._idle = trio.Event()

    def _settled(self) -> None:
        # With a shared (Redis) queue this instance also settles deliveries another
        # instance accepted and counted: the count never goes below zero.
        self._outstanding = max(0, self._outstanding - 1)
        if self._outstanding == 0:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Until no delivery is queued, delayed, running or waiting to be retried — as
        far as this instance knows: with a shared queue, what it accepted or ran."""
        await self._idle.wait()

    async def _dispatcher(self, step: Step) -> None:
        """Claim and start the step's deliveries, forever; a step removed by a reload
        has what is left of its deliveries claimed without limits, to dead-letter them
        (on a shared queue: left to others, and the dispatcher ends)."""
        name = step.name
        while True:
            current = self._steps.get(name)
            removed = current is None or not current.consumes_events
            if removed and self.store.shared:
                await self._leave_to_others(name)
                return
            if current is not None and not removed:
                step = current
            options = self.options(step)
            wake = self._wakes[name] = trio.Event()
            claimed = await self.store.claim(
                name, UNLIMITED if removed else options.limits(), self._clock()
            )
            for delivery in claimed.deliveries:
                self._start(step, options, delivery, removed)
            timeout = math.inf
            if claimed.wake_at is not None:
                timeout = max(claimed.wake_at - self._clock(), 0.0) + _WAKE_SLACK
            with trio.move_on_after(timeout):
                await wake.wait()

    async def _leave_to_others(self, name: str) -> None:
        """A step removed by a reload, on a shared queue: other instances may still
        serve it (a rolling deploy, or instances not yet reloaded), so what waits for it
        stays in the queue for them, as at start (`_left_to_others`), instead of being
        dead-lettered here. A reload that brings the step back starts a new dispatcher."""
        del self._wakes[name]
        try:
            counts = await self.store.counts(name, self._clock())
        except StorageError:  # Redis lost: the worker said so; nothing to settle then
            return
        left = counts.waiting + counts.delayed
        for _ in range(left):  # not this instance's to wait for any more
            self._settled()
        if left:
            self._logs.write(
                "info",
                f"{name} was removed; its {left} waiting delivery(ies) stay in the shared "
                "queue for the instances that serve it",
                step=name,
            )

    def _start(self, step: Step, options: QueueOptions, delivery: Delivery, removed: bool) -> None:
        assert self._running is not None
        self._in_progress += 1
        if self._none_in_progress.is_set():
            self._none_in_progress = trio.Event()
        self._running.start_soon(self._deliver, step, options, delivery, removed)

    async def _deliver(
        self, step: Step, options: QueueOptions, delivery: Delivery, removed: bool
    ) -> None:
        delivery.attempts += 1
        event = delivery.event
        try:
            try:
                trigger = step.delivery_trigger(event.topic)
                if removed:
                    raise StepRemoved(f"{step.name} was removed from the project")
                if step.is_v1 and trigger is None:
                    raise StepRemoved(f"{step.name} has no trigger for '{event.topic}' any more")
                result = await self._invoker.invoke(
                    step,
                    event.trace_id,
                    event.data,
                    attempt=delivery.attempts,
                    depth=event.depth,
                    timeout=options.visibility_timeout,
                    parent=TraceParent.parse(event.traceparent),
                    topic=event.topic,
                    trigger=trigger,
                )
                if result is SKIPPED:  # done: a false condition is an answer, not a failure
                    self._logs.write(
                        "debug",
                        f"'{event.topic}' ({event.id}): the trigger's condition is false; "
                        "the handler did not run",
                        step=step.name,
                        trace_id=event.trace_id,
                    )
            except StepRemoved as exc:
                await self._failed(step, options, delivery, exc, retry=False)
            except SteppeError as exc:
                await self._failed(step, options, delivery, exc)
            else:
                await self.store.done(delivery)
                self.delivered += 1
                self._settled()
        finally:
            self._in_progress -= 1
            if self._in_progress == 0:
                self._none_in_progress.set()
            self._wake(step.name)

    async def _failed(
        self,
        step: Step,
        options: QueueOptions,
        delivery: Delivery,
        exc: SteppeError,
        retry: bool = True,
    ) -> None:
        record = error_record(exc) | {"attempt": delivery.attempts, "time": self._clock()}
        delivery.errors.append(record)
        event = delivery.event
        if retry and delivery.attempts <= options.max_retries:
            delay = options.backoff.delay(delivery.attempts)
            delivery.available_at = self._clock() + delay
            await self.store.failed(delivery)
            self.retries[step.name] += 1
            self._logs.write(
                "warn",
                f"delivery of '{event.topic}' failed (attempt {delivery.attempts}): "
                f"{record['name']}: {record['message']}; retrying in {delay * 1000:.0f} ms",
                step=step.name,
                trace_id=event.trace_id,
            )
            return
        await self.store.bury(delivery)
        self.dead_letters[step.name] += 1
        self._logs.write(
            "error",
            f"delivery of '{event.topic}' failed {delivery.attempts} times and was dead-lettered: "
            f"{record['name']}: {record['message']}",
            step=step.name,
            trace_id=event.trace_id,
        )
        self._settled()

"""The event bus: topics to subscribers, one delivery per subscribing step, retries
with backoff, dead letters (docs/reference.md §6).

An emit is checked (declared topic, subscriber schemas) before it is accepted;
once accepted, its deliveries are in the store (durable with SQLite) before the
emitting call returns. Each delivery runs under its step's concurrency limit, is
removed from the store only after its handler succeeded, is retried on failure,
and is dead-lettered after its last retry. After a crash, whatever the store
still holds is delivered again: at least once, per subscribing step.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import trio

from orchestrator.core.errors import CallbackError, SteppeError
from orchestrator.core.ids import time_ordered_id
from orchestrator.core.logs import LogSink
from orchestrator.model.step import Step
from orchestrator.runtime.host import Invocation
from orchestrator.services.context import EmitRequest
from orchestrator.services.invoker import Invoker, error_record
from orchestrator.services.project import Project
from orchestrator.services.trace_budget import DEFAULT_MAX_TRACE_DELIVERIES, TraceBudget
from orchestrator.stores.queue.base import Delivery, DeliveryStore, Event

DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF_MS = 200.0
DEFAULT_CONCURRENCY = 100
# An emit chain deeper than this is a loop (a step emitting to itself forever).
DEFAULT_MAX_DEPTH = 64
# Like an SQS FIFO queue's deduplication window.
DEFAULT_IDEMPOTENCY_WINDOW = 300.0


class StepRemoved(SteppeError):
    """Raised for a delivery whose step a reload removed; it goes to the dead letters."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int
    backoff_ms: float
    concurrency: int

    @classmethod
    def of(cls, step: Step) -> RetryPolicy:
        queue = (step.config.get("infrastructure") or {}).get("queue") or {}
        return cls(
            int(queue.get("maxRetries", DEFAULT_MAX_RETRIES)),
            float(queue.get("backoffMs", DEFAULT_BACKOFF_MS)),
            int(queue.get("concurrency", DEFAULT_CONCURRENCY)),
        )

    def delay(self, attempt: int) -> float:
        """Seconds before retry number `attempt` (1-based): exponential, doubling each time,
        with ±20% jitter so that failures of many deliveries do not retry in lockstep."""
        base: float = self.backoff_ms / 1000 * 2 ** (attempt - 1)
        return base * random.uniform(0.8, 1.2)


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
        """`clock` (epoch seconds) stamps events and failures and measures the
        idempotency window; tests pass trio's virtual time."""
        self._steps = steps
        self._invoker = invoker
        self._logs = logs
        self.store = store
        self._max_depth = max_depth
        self._idempotency_window = idempotency_window
        self._budget = TraceBudget(max_trace_deliveries)
        self._clock = clock
        self._queues: dict[str, trio.MemorySendChannel[Delivery]] = {}
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
                self._start_workers()
                await self._recover()
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
        """Deliver to a reloaded project's steps. A step that is new gets a worker; an
        edited one is used from its next delivery on; a removed one's deliveries are
        dead-lettered when their turn comes."""
        self._steps = project.steps
        self._start_workers()

    def _start_workers(self) -> None:
        assert self._dispatch is not None
        for step in self._steps.values():
            if step.type == "event" and step.name not in self._queues:
                send, receive = trio.open_memory_channel[Delivery](math.inf)
                self._queues[step.name] = send
                self._dispatch.start_soon(self._worker, step.name, receive)

    async def _recover(self) -> None:
        """Deliver again what an earlier run accepted and did not finish."""
        recovered = await self.store.pending()
        for delivery in recovered:
            if delivery.step in self._queues:
                self._enqueue(delivery)
                continue
            delivery.errors.append(
                {"name": "StepNotFound", "message": f"no event step {delivery.step} any more",
                 "stack": None, "attempt": delivery.attempts, "time": self._clock()}
            )  # fmt: skip
            await self.store.bury(delivery)
        if recovered:
            self._logs.write("info", f"recovered {len(recovered)} undelivered event(s)")

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
        await self.publish(event, subscribers, invocation.trace_id, invocation.owner, depth)

    async def publish(
        self,
        request: EmitRequest,
        subscribers: list[Step],
        trace_id: str,
        source: str | None,
        depth: int = 1,
    ) -> Accepted:
        """Store one delivery per subscriber, then start them; returns once durable."""
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
        deliveries = [Delivery(time_ordered_id(), event, step.name) for step in subscribers]
        await self.store.accept(event, deliveries)
        if deliveries and not self._budget.spend(trace_id, len(deliveries)):
            await self._over_budget(deliveries)
            return Accepted(event)
        for delivery in deliveries:
            self._enqueue(delivery)
        if not subscribers:
            self._logs.write(
                "debug", f"'{event.topic}' has no subscribers", step=source, trace_id=trace_id
            )
        return Accepted(event)

    async def _over_budget(self, deliveries: list[Delivery]) -> None:
        """Dead-letter deliveries a trace may not make: kept, never run, so the fan-out
        stops here and an operator can see (and replay) what it would have done."""
        event = deliveries[0].event
        message = (
            f"trace {event.trace_id} reached max_trace_deliveries "
            f"({self._budget.limit}); '{event.topic}' was not delivered (an emit loop?)"
        )
        for delivery in deliveries:
            delivery.errors.append(
                {"name": "TraceDeliveryLimit", "message": message, "stack": None,
                 "attempt": 0, "time": self._clock()}
            )  # fmt: skip
            await self.store.bury(delivery)
        self._logs.write("error", message, step=event.source, trace_id=event.trace_id)

    async def replay(self, ids: Iterable[str] | None) -> list[Delivery]:
        """Deliver dead letters again (all when `ids` is None), from a first attempt."""
        revived = await self.store.revive(ids)
        for delivery in revived:
            if delivery.step in self._queues:
                self._enqueue(delivery)
        return revived

    def _enqueue(self, delivery: Delivery) -> None:
        queue = self._queues.get(delivery.step)
        if queue is None:
            raise SteppeError(f"the event bus is not running a worker for {delivery.step}")
        self._outstanding += 1
        if self._idle.is_set():
            self._idle = trio.Event()
        queue.send_nowait(delivery)

    def _settled(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Until no delivery is queued, running or waiting to be retried."""
        await self._idle.wait()

    async def _worker(self, name: str, receive: trio.MemoryReceiveChannel[Delivery]) -> None:
        step = self._steps[name]
        policy = RetryPolicy.of(step)
        limiter = trio.CapacityLimiter(policy.concurrency)
        async for delivery in receive:
            current = self._steps.get(name)
            if current is not step and current is not None:
                # Edited by a reload: its new config (concurrency, retries) applies now.
                step, policy = current, RetryPolicy.of(current)
                limiter.total_tokens = policy.concurrency
            await limiter.acquire_on_behalf_of(delivery)
            assert self._running is not None
            self._in_progress += 1
            if self._none_in_progress.is_set():
                self._none_in_progress = trio.Event()
            self._running.start_soon(
                self._deliver, step, policy, limiter, delivery, current is None
            )

    async def _deliver(
        self,
        step: Step,
        policy: RetryPolicy,
        limiter: trio.CapacityLimiter,
        delivery: Delivery,
        removed: bool = False,
    ) -> None:
        delivery.attempts += 1
        event = delivery.event
        try:
            try:
                if removed:
                    raise StepRemoved(f"{step.name} was removed from the project")
                await self._invoker.invoke(
                    step, event.trace_id, event.data, attempt=delivery.attempts, depth=event.depth
                )
            except StepRemoved as exc:
                await self._failed(step, policy, delivery, exc, retry=False)
            except SteppeError as exc:
                await self._failed(step, policy, delivery, exc)
            else:
                await self.store.done(delivery)
                self.delivered += 1
                self._settled()
        finally:
            limiter.release_on_behalf_of(delivery)
            self._in_progress -= 1
            if self._in_progress == 0:
                self._none_in_progress.set()

    async def _failed(
        self,
        step: Step,
        policy: RetryPolicy,
        delivery: Delivery,
        exc: SteppeError,
        retry: bool = True,
    ) -> None:
        record = error_record(exc) | {"attempt": delivery.attempts, "time": self._clock()}
        delivery.errors.append(record)
        event = delivery.event
        if retry and delivery.attempts <= policy.max_retries:
            await self.store.failed(delivery)
            delay = policy.delay(delivery.attempts)
            self._logs.write(
                "warn",
                f"delivery of '{event.topic}' failed (attempt {delivery.attempts}): "
                f"{record['name']}: {record['message']}; retrying in {delay * 1000:.0f} ms",
                step=step.name,
                trace_id=event.trace_id,
            )
            assert self._dispatch is not None
            self._dispatch.start_soon(self._retry_later, delivery, delay)
            return
        await self.store.bury(delivery)
        self._logs.write(
            "error",
            f"delivery of '{event.topic}' failed {delivery.attempts} times and was dead-lettered: "
            f"{record['name']}: {record['message']}",
            step=step.name,
            trace_id=event.trace_id,
        )
        self._settled()

    async def _retry_later(self, delivery: Delivery, delay: float) -> None:
        await trio.sleep(delay)
        self._queues[delivery.step].send_nowait(delivery)

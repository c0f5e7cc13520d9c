"""The event bus: topics to subscribers, one delivery per subscribing step, retries
with backoff, dead letters (SPEC §6).

An emit is checked (declared topic, subscriber schemas) before it is accepted;
once accepted, each subscriber gets its own delivery, run with that step's
concurrency limit, retried on failure, and dead-lettered after its last retry.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import trio

from orchestrator.context import EmitRequest
from orchestrator.errors import CallbackError, SteppeError
from orchestrator.invoker import StepInvoker, error_record
from orchestrator.logs import LogSink
from orchestrator.runtime.host import Invocation
from orchestrator.step import Step
from orchestrator.types import JSON

DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF_MS = 200.0
DEFAULT_CONCURRENCY = 100
# An emit chain deeper than this is a loop (a step emitting to itself forever).
DEFAULT_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Event:
    """An accepted emit."""

    id: str
    topic: str
    data: JSON
    trace_id: str
    source: str | None
    depth: int
    created: float
    idempotency_key: str | None = None
    message_group_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "data": self.data,
            "traceId": self.trace_id,
            "source": self.source,
            "depth": self.depth,
            "created": self.created,
        }


# eq=False: identity hashing, since the concurrency limiter holds deliveries in a set.
@dataclass(slots=True, eq=False)
class Delivery:
    """One event on its way to one subscribing step."""

    id: str
    event: Event
    step: str
    attempts: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event.as_json(),
            "step": self.step,
            "attempts": self.attempts,
            "errors": self.errors,
        }


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


class EventBus:
    """Serves `emit` (the Emitter of the context router) and runs deliveries."""

    def __init__(
        self,
        steps: Mapping[str, Step],
        invoker: StepInvoker,
        logs: LogSink,
        *,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        self._steps = steps
        self._invoker = invoker
        self._logs = logs
        self._max_depth = max_depth
        self._queues: dict[str, trio.MemorySendChannel[Delivery]] = {}
        self._nursery: trio.Nursery | None = None
        self._outstanding = 0
        self._idle = trio.Event()
        self._idle.set()
        self.dead_letters: list[Delivery] = []
        self.delivered = 0

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run a worker per subscribing step until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            for step in self._steps.values():
                if step.type == "event":
                    send, receive = trio.open_memory_channel[Delivery](math.inf)
                    self._queues[step.name] = send
                    nursery.start_soon(self._worker, step, receive)
            task_status.started()

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
        self.publish(event, subscribers, invocation.trace_id, invocation.owner, depth)

    def publish(
        self,
        request: EmitRequest,
        subscribers: list[Step],
        trace_id: str,
        source: str | None,
        depth: int = 1,
    ) -> Event:
        """Queue one delivery per subscriber; returns the accepted event."""
        event = Event(
            uuid.uuid4().hex,
            request.topic,
            request.data,
            trace_id,
            source,
            depth,
            time.time(),
            request.idempotency_key,
            request.message_group_id,
        )
        for step in subscribers:
            self._enqueue(Delivery(uuid.uuid4().hex, event, step.name))
        if not subscribers:
            self._logs.write(
                "debug", f"'{event.topic}' has no subscribers", step=source, trace_id=trace_id
            )
        return event

    def _enqueue(self, delivery: Delivery) -> None:
        queue = self._queues.get(delivery.step)
        if queue is None:
            raise SteppeError(f"the event bus is not running a worker for {delivery.step}")
        self._outstanding += 1
        self._idle = trio.Event() if self._idle.is_set() else self._idle
        queue.send_nowait(delivery)

    def _settled(self) -> None:
        self._outstanding -= 1
        if self._outstanding == 0:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Until no delivery is queued, running or waiting to be retried."""
        await self._idle.wait()

    async def _worker(self, step: Step, receive: trio.MemoryReceiveChannel[Delivery]) -> None:
        policy = RetryPolicy.of(step)
        limiter = trio.CapacityLimiter(policy.concurrency)
        async with trio.open_nursery() as nursery:
            async for delivery in receive:
                await limiter.acquire_on_behalf_of(delivery)
                nursery.start_soon(self._deliver, step, policy, limiter, delivery)

    async def _deliver(
        self, step: Step, policy: RetryPolicy, limiter: trio.CapacityLimiter, delivery: Delivery
    ) -> None:
        delivery.attempts += 1
        event = delivery.event
        try:
            await self._invoker.invoke(
                step, event.trace_id, event.data, attempt=delivery.attempts, depth=event.depth
            )
        except SteppeError as exc:
            self._failed(step, policy, delivery, exc)
        else:
            self.delivered += 1
            self._settled()
        finally:
            limiter.release_on_behalf_of(delivery)

    def _failed(
        self, step: Step, policy: RetryPolicy, delivery: Delivery, exc: SteppeError
    ) -> None:
        record = error_record(exc) | {"attempt": delivery.attempts, "time": time.time()}
        delivery.errors.append(record)
        event = delivery.event
        if delivery.attempts <= policy.max_retries:
            delay = policy.delay(delivery.attempts)
            self._logs.write(
                "warn",
                f"delivery of '{event.topic}' failed (attempt {delivery.attempts}): "
                f"{record['name']}: {record['message']}; retrying in {delay * 1000:.0f} ms",
                step=step.name,
                trace_id=event.trace_id,
            )
            assert self._nursery is not None
            self._nursery.start_soon(self._retry_later, delivery, delay)
            return
        self.dead_letters.append(delivery)
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
        queue = self._queues[delivery.step]
        queue.send_nowait(delivery)

"""Events, deliveries, and the store that keeps them until they are handled
(docs/reference.md §6, §12).

A delivery is written before the emit that created it returns, and removed only
after its handler succeeded, so every accepted event is handled at least once.

The store also decides which deliveries may start (`claim`): what a delivery waits
for (a delay, a retry's backoff, the head of its FIFO group) is kept with it, and
the limits of its step (concurrency, rate) are counted over the leases the store
gave out. A store shared by several orchestrators (Redis, docs/reference.md §11) can then give
the same answers to all of them; the memory and SQLite stores, which one process
owns, keep that bookkeeping in memory (`schedule.Schedule`) over durable rows.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSON

# Made once: `json.dumps` with options builds an encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_json(value: Any) -> str:
    """Event data or errors as the JSON text the durable stores keep."""
    try:
        return _ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        raise CallbackError("ValidationError", f"event data is not JSON: {exc}") from None


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
    # The W3C `traceparent` of the span that emitted it (None: it starts its trace's
    # context, as an admin emit does; and in rows written before Steppe kept it).
    traceparent: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "data": self.data,
            "traceId": self.trace_id,
            "source": self.source,
            "depth": self.depth,
            "created": self.created,
            "idempotencyKey": self.idempotency_key,
            "messageGroupId": self.message_group_id,
            "traceparent": self.traceparent,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            data["id"],
            data["topic"],
            data.get("data"),
            data["traceId"],
            data.get("source"),
            int(data.get("depth", 1)),
            float(data["created"]),
            data.get("idempotencyKey"),
            data.get("messageGroupId"),
            data.get("traceparent"),
        )


# eq=False: identity hashing; a delivery is one object from acceptance to its end.
@dataclass(slots=True, eq=False)
class Delivery:
    """One event on its way to one subscribing step, with every failed attempt so far.

    `seq` is the store's order of acceptance (FIFO groups run in it); `available_at`
    (epoch seconds, 0 for at once) is when a delay or a retry's backoff ends; `group`
    is the FIFO message group (None: not ordered); `debounce` the debounce key (None:
    not debounced)."""

    id: str
    event: Event
    step: str
    attempts: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    available_at: float = 0.0
    group: str | None = None
    debounce: str | None = None
    seq: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event.as_json(),
            "step": self.step,
            "attempts": self.attempts,
            "errors": self.errors,
            "availableAt": self.available_at or None,
            "group": self.group,
        }


def data_key(data: JSON, path: str) -> str:
    """The value of a field of event data (`user.id` looks inside `user`) as a key:
    a string as it is, anything else as its JSON; "" when the field is missing."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return ""
        node = node[part]
    if isinstance(node, str):
        return node
    return json.dumps(node, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Limits:
    """What a claim must respect for one step (from its `infrastructure.queue`, §12).

    `concurrency` bounds the step's leases; with `concurrency_key`, `key_concurrency`
    bounds the leases per value of that data field. `rate_limit` starts per
    `rate_period` seconds, per value of `rate_key` when set. `fifo`: one delivery of a
    group at a time, in `seq` order. `lease`: seconds a claim holds a delivery
    (the visibility timeout; None: until the claimer says), see `DeliveryStore.claim`."""

    concurrency: int = 100
    concurrency_key: str | None = None
    key_concurrency: int = 1
    rate_limit: int | None = None
    rate_period: float = 1.0
    rate_key: str | None = None
    fifo: bool = False
    lease: float | None = None


UNLIMITED = Limits(concurrency=2**31)


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a claim gave: deliveries to start now (leased), and when the next one
    could be given without anything else happening (a delay or a rate window ending;
    None when only a delivery finishing or arriving can free one)."""

    deliveries: list[Delivery]
    wake_at: float | None


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """One step's pending deliveries: running (leased), waiting for their turn (due,
    held back by a limit or their group), and delayed (a delay or a backoff)."""

    in_flight: int = 0
    waiting: int = 0
    delayed: int = 0
    next_at: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "inFlight": self.in_flight,
            "waiting": self.waiting,
            "delayed": self.delayed,
            "nextDelayedAt": self.next_at,
        }


class DeliveryStore(ABC):
    """Where deliveries live between acceptance and success; one shared test suite."""

    shared = False
    """Several orchestrators use this store at once (Redis): what it holds is not all
    this process's, and a step it does not know may be another's."""

    @abstractmethod
    async def accept(self, event: Event, deliveries: list[Delivery]) -> list[Delivery]:
        """Keep the event and its deliveries (giving each its `seq`); durable once this
        returns. A debounced delivery replaces the one of its step and key that has
        not started yet: those replaced are forgotten and returned."""

    @abstractmethod
    async def accept_dead(self, event: Event, deliveries: list[Delivery]) -> None:
        """Keep deliveries that must never run (a trace over its budget) as dead letters."""

    @abstractmethod
    async def claim(self, step: str, limits: Limits, now: float) -> Claimed:
        """Lease every delivery of `step` that may start at `now`, oldest first: due,
        the head of its FIFO group with no other of its group leased, and within the
        step's concurrency and rate limits.

        A store shared by several processes leases for `limits.lease` seconds and gives
        a delivery whose lease ran out to the next claim (its holder counts as lost);
        a store one process owns has no one else to give it to, and that process
        bounds each run by the same time (the bus's visibility timeout)."""

    @abstractmethod
    async def done(self, delivery: Delivery) -> None:
        """The handler succeeded: forget the delivery (and the event once all are done).

        May return before the mark is durable: a mark lost in a crash means the
        delivery runs once more, which at-least-once delivery allows. Every later call
        on this store sees the mark."""

    @abstractmethod
    async def failed(self, delivery: Delivery) -> None:
        """Record the attempts, errors and `available_at` of a delivery that failed and
        will be retried, and end its lease."""

    @abstractmethod
    async def bury(self, delivery: Delivery) -> None:
        """Move the delivery to the dead letters, with its attempts and errors."""

    @abstractmethod
    async def pending(self) -> list[Delivery]:
        """Every delivery accepted and not done nor dead, in `seq` order (restart recovery)."""

    @abstractmethod
    async def counts(self, step: str, now: float) -> QueueCounts:
        """How many of the step's deliveries run, wait and are delayed at `now`."""

    @abstractmethod
    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        """Dead letters, newest first."""

    @abstractmethod
    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        """One dead letter, or None when there is no dead letter with that id."""

    @abstractmethod
    async def revive(self, ids: Iterable[str] | None) -> list[Delivery]:
        """Move dead letters (all when `ids` is None) back to pending with no attempts,
        due at once, and return them so that the bus can deliver them again."""

    @abstractmethod
    async def purge(self, ids: Iterable[str] | None) -> int:
        """Delete dead letters (all when `ids` is None); how many were deleted."""

    @abstractmethod
    async def claim_key(self, key: str, now: float, window: float) -> bool:
        """True if `key` was not claimed within the last `window` seconds (and claim it)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook; the memory store holds nothing
        """Release the store's resources."""

"""Events, deliveries, and the store that keeps them until they are handled (docs/reference.md §6).

The bus keeps deliveries moving in memory; the store is what survives a crash.
A delivery is written before the emit that created it returns, and removed only
after its handler succeeded, so every accepted event is handled at least once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from orchestrator.core.types import JSON


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
            "idempotencyKey": self.idempotency_key,
            "messageGroupId": self.message_group_id,
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
        )


# eq=False: identity hashing, since the concurrency limiter holds deliveries in a set.
@dataclass(slots=True, eq=False)
class Delivery:
    """One event on its way to one subscribing step, with every failed attempt so far."""

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


class DeliveryStore(ABC):
    """Where deliveries live between acceptance and success; one shared test suite."""

    @abstractmethod
    async def accept(self, event: Event, deliveries: list[Delivery]) -> None:
        """Keep the event and its deliveries; durable once this returns."""

    @abstractmethod
    async def done(self, delivery: Delivery) -> None:
        """The handler succeeded: forget the delivery (and the event once all are done).

        May return before the mark is durable: a mark lost in a crash means the
        delivery runs once more, which at-least-once delivery allows. Every later call
        on this store sees the mark."""

    @abstractmethod
    async def failed(self, delivery: Delivery) -> None:
        """Record the delivery's attempts and errors after a failure it will retry."""

    @abstractmethod
    async def bury(self, delivery: Delivery) -> None:
        """Move the delivery to the dead letters, with its attempts and errors."""

    @abstractmethod
    async def pending(self) -> list[Delivery]:
        """Every delivery accepted and not done nor dead, oldest first (restart recovery)."""

    @abstractmethod
    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        """Dead letters, newest first."""

    @abstractmethod
    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        """One dead letter, or None when there is no dead letter with that id."""

    @abstractmethod
    async def revive(self, ids: Iterable[str] | None) -> list[Delivery]:
        """Move dead letters (all when `ids` is None) back to pending with no attempts,
        and return them so that the bus can deliver them again."""

    @abstractmethod
    async def purge(self, ids: Iterable[str] | None) -> int:
        """Delete dead letters (all when `ids` is None); how many were deleted."""

    @abstractmethod
    async def claim_key(self, key: str, now: float, window: float) -> bool:
        """True if `key` was not claimed within the last `window` seconds (and claim it)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook; the memory store holds nothing
        """Release the store's resources."""

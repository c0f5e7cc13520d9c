"""The interface every stream store implements, and passes one shared test suite for.

A stream item is a JSON object that carries its own `id` (Motia's
`BaseStreamItem = TData & { id }`). Items live in groups; a group lists its items
oldest first, by when each was created (an update keeps an item's place).
Expiry is absolute wall-clock time (`time.time()`), so an item outlives a restart
until its ttl, and every read takes `now` so that the suite can move time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from orchestrator.core.types import JSONMap


@dataclass(frozen=True, slots=True)
class SetOutcome:
    """What a `set` did: whether the item is new, and the items `maxItems` pushed out."""

    created: bool
    evicted: list[JSONMap] = field(default_factory=list)


class StreamStore(ABC):
    """Items keyed by (stream, group, id), matched exactly: group 'a' never sees 'a:b'."""

    @abstractmethod
    async def get(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        """The item, or None when it is missing or expired."""

    @abstractmethod
    async def get_group(self, stream: str, group: str, now: float) -> list[JSONMap]:
        """The live items of the group, oldest first."""

    @abstractmethod
    async def list_groups(
        self, stream: str, now: float, *, limit: int | None = None
    ) -> dict[str, int]:
        """The groups of `stream` that hold live items, each with how many, in group id
        order; with `limit`, only the first that many."""

    @abstractmethod
    async def set(
        self,
        stream: str,
        group: str,
        item: JSONMap,
        *,
        now: float,
        expires_at: float | None = None,
        max_items: int | None = None,
    ) -> SetOutcome:
        """Create or replace `item` (its `id` is the key). An expired item counts as
        missing, so setting it again creates it. With `max_items`, a created item pushes
        out the oldest live items of the group beyond that many."""

    @abstractmethod
    async def delete(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        """Remove the item; its last value, or None when it was missing or expired."""

    @abstractmethod
    async def expired_groups(self, now: float) -> list[tuple[str, str]]:
        """The (stream, group) pairs holding items whose time is up, sorted."""

    @abstractmethod
    async def expire(self, stream: str, group: str, now: float) -> list[JSONMap]:
        """Remove the group's expired items and return them, oldest first."""

    @abstractmethod
    async def next_expiry(self) -> float | None:
        """The earliest `expires_at` of any stored item, or None when nothing expires."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook; memory holds nothing
        """Release the backend's resources."""

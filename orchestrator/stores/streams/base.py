"""The interface every stream store implements, and passes one shared test suite for.

A stream item is a JSON object that carries its own `id` (Motia's
`BaseStreamItem = TData & { id }`). Items live in groups; a group lists its items
oldest first, by when each was created (an update keeps an item's place).
Expiry is absolute wall-clock time (`time.time()`), so an item outlives a restart
until its ttl, and every read takes `now` so that the suite can move time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSONMap
from orchestrator.stores.update_ops import UpdateOp, apply_ops


@dataclass(frozen=True, slots=True)
class SetOutcome:
    """What a `set` did: the item it replaced (None when it was missing or expired, so
    the item is new), and the items `maxItems` pushed out."""

    old: JSONMap | None
    evicted: list[JSONMap] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.old is None


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """What an `update` did: the item before (None when it was missing or expired) and
    after, and the items `maxItems` pushed out."""

    old: JSONMap | None
    new: JSONMap
    evicted: list[JSONMap] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.old is None


ItemCheck = Callable[[JSONMap], None]
"""Judges an updated item before it is stored (the stream's schema); raises to refuse it."""


def updated_item(
    old: JSONMap | None, item_id: str, ops: list[UpdateOp], check: ItemCheck | None, where: str
) -> JSONMap:
    """The item after `ops` (a missing one starts as `{}`), carrying its `id` whatever the
    ops did to it, and passed by `check`: what every backend's `update` stores."""
    new = apply_ops(old, ops, where)
    if not isinstance(new, dict):
        raise CallbackError("ValidationError", f"{where}: a stream item must be an object")
    new["id"] = item_id
    if check is not None:
        check(new)
    return new


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
        """Create or replace `item` (its `id` is the key), reading the item it replaces in
        the same atomic step. An expired item counts as missing, so setting it again
        creates it. With `max_items`, a created item pushes
        out the oldest live items of the group beyond that many."""

    @abstractmethod
    async def update(
        self,
        stream: str,
        group: str,
        item_id: str,
        ops: list[UpdateOp],
        *,
        now: float,
        expires_at: float | None = None,
        max_items: int | None = None,
        check: ItemCheck | None = None,
    ) -> UpdateOutcome:
        """Apply `ops` to the item and store it as `set` would, in one atomic
        read-modify-write: no write by anyone (in this process or another sharing the
        backend) may land between the read and the write, so concurrent increments never
        lose one. Compute the new item with `updated_item(old, item_id, ops, check, ...)`
        (an expired item counts as missing); when it raises, store nothing."""

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

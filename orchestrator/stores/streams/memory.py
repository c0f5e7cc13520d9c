"""The in-memory stream store: for tests, and for projects that set `state = "memory"`."""

from __future__ import annotations

import copy

from orchestrator.core.types import JSONMap
from orchestrator.stores.streams.base import (
    ItemCheck,
    SetOutcome,
    StreamStore,
    UpdateOutcome,
    updated_item,
)
from orchestrator.stores.update_ops import UpdateOp


class _Entry:
    __slots__ = ("expires_at", "item")

    def __init__(self, item: JSONMap, expires_at: float | None) -> None:
        self.item = item
        self.expires_at = expires_at

    def live(self, now: float) -> bool:
        return self.expires_at is None or self.expires_at > now


class MemoryStreamStore(StreamStore):
    def __init__(self) -> None:
        # A dict keeps insertion order and an update keeps a key's place: that is the
        # creation order a group lists and `maxItems` evicts by.
        self._groups: dict[tuple[str, str], dict[str, _Entry]] = {}

    async def get(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        return self._live_copy(stream, group, item_id, now)

    def _live_copy(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        entry = self._groups.get((stream, group), {}).get(item_id)
        # Copies keep a caller's later mutation from reaching the store, as with SQLite.
        return copy.deepcopy(entry.item) if entry is not None and entry.live(now) else None

    async def get_group(self, stream: str, group: str, now: float) -> list[JSONMap]:
        entries = self._groups.get((stream, group), {})
        return [copy.deepcopy(e.item) for e in entries.values() if e.live(now)]

    async def list_groups(
        self, stream: str, now: float, *, limit: int | None = None
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (name, group), entries in self._groups.items():
            live = sum(1 for e in entries.values() if e.live(now)) if name == stream else 0
            if live:
                counts[group] = live
        return {group: counts[group] for group in sorted(counts)[:limit]}

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
        return self._store(stream, group, copy.deepcopy(item), now, expires_at, max_items)

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
        # Nothing awaited between the read and the write: no other task runs in between.
        old = self._live_copy(stream, group, item_id, now)
        where = f"streams.{stream}.update({group!r}, {item_id!r})"
        new = updated_item(old, item_id, ops, check, where)
        outcome = self._store(stream, group, new, now, expires_at, max_items)
        return UpdateOutcome(old, copy.deepcopy(new), outcome.evicted)

    def _store(
        self,
        stream: str,
        group: str,
        item: JSONMap,
        now: float,
        expires_at: float | None,
        max_items: int | None,
    ) -> SetOutcome:
        """Keep `item` (the store's own copy) under its id; what `set` and `update` share."""
        entries = self._groups.setdefault((stream, group), {})
        item_id = str(item["id"])
        old = entries.get(item_id)
        created = old is None or not old.live(now)
        replaced = None if old is None or created else old.item
        if old is not None and created:
            del entries[item_id]  # an expired item comes back as new, at the end
        entries[item_id] = _Entry(item, expires_at)
        evicted: list[JSONMap] = []
        if created and max_items is not None:
            live = [key for key, e in entries.items() if e.live(now)]
            for key in live[: max(0, len(live) - max_items)]:
                evicted.append(entries.pop(key).item)
        return SetOutcome(replaced, evicted)

    async def delete(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        entries = self._groups.get((stream, group))
        if entries is None or item_id not in entries:
            return None
        entry = entries.pop(item_id)
        if not entries:
            del self._groups[(stream, group)]
        return entry.item if entry.live(now) else None

    async def expired_groups(self, now: float) -> list[tuple[str, str]]:
        return sorted(
            key
            for key, entries in self._groups.items()
            if any(not e.live(now) for e in entries.values())
        )

    async def expire(self, stream: str, group: str, now: float) -> list[JSONMap]:
        entries = self._groups.get((stream, group), {})
        gone = [key for key, e in entries.items() if not e.live(now)]
        removed = [entries.pop(key).item for key in gone]
        if not entries:
            self._groups.pop((stream, group), None)
        return removed

    async def next_expiry(self) -> float | None:
        times = [
            e.expires_at
            for entries in self._groups.values()
            for e in entries.values()
            if e.expires_at is not None
        ]
        return min(times, default=None)

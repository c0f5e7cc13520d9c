"""The in-memory state backend: for tests, `steppe run`, and users who opt out of disk."""

from __future__ import annotations

import copy

from orchestrator.core.types import JSON
from orchestrator.stores.state.base import StateStore
from orchestrator.stores.update_ops import UpdateOp, UpdateResult, apply_ops


class MemoryStateStore(StateStore):
    def __init__(self) -> None:
        self._groups: dict[str, dict[str, JSON]] = {}

    async def get(self, group: str, key: str) -> JSON:
        # Copies keep a caller's later mutation from reaching the store, as with a real backend.
        return copy.deepcopy(self._groups.get(group, {}).get(key))

    async def set(self, group: str, key: str, value: JSON) -> JSON:
        self._groups.setdefault(group, {})[key] = copy.deepcopy(value)
        return value

    async def replace(self, group: str, key: str, value: JSON) -> JSON:
        values = self._groups.setdefault(group, {})
        old = values.get(key)
        values[key] = copy.deepcopy(value)
        return old

    async def delete(self, group: str, key: str) -> JSON:
        values = self._groups.get(group)
        if values is None:
            return None
        old = values.pop(key, None)
        if not values:
            del self._groups[group]
        return old

    async def update(self, group: str, key: str, ops: list[UpdateOp]) -> UpdateResult:
        # No await between the read and the write: no other task can run in between.
        values = self._groups.get(group, {})
        old = values.get(key)
        new = apply_ops(old, ops, f"state.update({group!r}, {key!r})")
        self._groups.setdefault(group, {})[key] = new
        return UpdateResult(copy.deepcopy(old), copy.deepcopy(new))

    async def get_group(self, group: str) -> list[JSON]:
        return [value for _, value in await self.items(group)]

    async def clear(self, group: str) -> None:
        self._groups.pop(group, None)

    async def pop_group(self, group: str) -> list[tuple[str, JSON]]:
        values = self._groups.pop(group, {})
        return [(key, values[key]) for key in sorted(values)]

    async def items(self, group: str) -> list[tuple[str, JSON]]:
        values = self._groups.get(group, {})
        return [(key, copy.deepcopy(values[key])) for key in sorted(values)]

    async def groups(self) -> list[str]:
        return sorted(self._groups)

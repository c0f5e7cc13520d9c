"""State writes that state triggers watch (docs/reference.md §2, "State and stream
triggers"): handlers' `state.*` calls and the admin API write through here.

With no state trigger in the project a write is the store's plain one, which reads
nothing back. With one, each write reads the old value in the same atomic step as it
writes (the store's `replace`, `delete`, `update`, `pop_group`), and the trigger's
deliveries are accepted before the write returns to its caller.
"""

from __future__ import annotations

from orchestrator.core.types import JSON
from orchestrator.services.change_triggers import ChangeTriggers, Origin
from orchestrator.stores.state.base import StateStore
from orchestrator.stores.update_ops import UpdateOp, UpdateResult


class StateWriter:
    """The state store's writes, each reported to the change triggers when they watch."""

    def __init__(self, store: StateStore, changes: ChangeTriggers | None) -> None:
        self.store = store
        self._changes = changes

    def _watching(self) -> ChangeTriggers | None:
        changes = self._changes
        return changes if changes is not None and changes.watches_state else None

    async def set(self, group: str, key: str, value: JSON, origin: Origin | None) -> JSON:
        if self._watching() is None:
            return await self.store.set(group, key, value)
        await self.replace(group, key, value, origin)
        return value

    async def replace(
        self, group: str, key: str, value: JSON, origin: Origin | None
    ) -> UpdateResult:
        """A set that reads the old value in the same atomic step, whether or not a
        trigger watches (Motia 1.0's `stateManager.set` answers `{new_value, old_value}`)."""
        old = await self.store.replace(group, key, value)
        changes = self._watching()
        if changes is not None:
            await changes.state_changed(origin, group, key, old, value)
        return UpdateResult(old, value)

    async def delete(self, group: str, key: str, origin: Origin | None) -> JSON:
        """The old value; deleting a missing key changes nothing and triggers nothing."""
        old = await self.store.delete(group, key)
        changes = self._watching()
        if changes is not None and old is not None:
            await changes.state_changed(origin, group, key, old, None)
        return old

    async def update(
        self, group: str, key: str, ops: list[UpdateOp], origin: Origin | None
    ) -> UpdateResult:
        result = await self.store.update(group, key, ops)
        changes = self._watching()
        if changes is not None:
            await changes.state_changed(origin, group, key, result.old_value, result.new_value)
        return result

    async def clear(self, group: str, origin: Origin | None) -> None:
        """One change per key removed, in key order."""
        changes = self._watching()
        if changes is None:
            await self.store.clear(group)
            return
        for key, old in await self.store.pop_group(group):
            await changes.state_changed(origin, group, key, old, None)

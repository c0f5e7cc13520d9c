"""The interface every state backend implements, and passes one shared test suite for."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSON
from orchestrator.stores.update_ops import UpdateOp, UpdateResult


def encode_value(value: JSON) -> str:
    """A state value as the JSON text every durable backend keeps."""
    try:
        # ensure_ascii=False keeps non-ASCII text at its UTF-8 size.
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise CallbackError("ValidationError", f"a state value must be JSON: {exc}") from None


class StateStore(ABC):
    """Values are JSON; groups and keys are arbitrary strings matched exactly
    (no prefix matching: group 'a' never sees the keys of group 'a:b')."""

    @abstractmethod
    async def get(self, group: str, key: str) -> JSON:
        """The value, or None when the key is missing."""

    @abstractmethod
    async def set(self, group: str, key: str, value: JSON) -> JSON:
        """Store and return the value."""

    @abstractmethod
    async def replace(self, group: str, key: str, value: JSON) -> JSON:
        """Store the value and return the one it replaced (None when the key was missing),
        as one atomic read-and-write (state triggers need the old value of each change;
        `set` does not read it, so a project without state triggers pays nothing)."""

    @abstractmethod
    async def delete(self, group: str, key: str) -> JSON:
        """Remove the key and return its old value (None when it was missing)."""

    @abstractmethod
    async def update(self, group: str, key: str, ops: list[UpdateOp]) -> UpdateResult:
        """Apply `ops` to the value (a missing one starts as `{}`) and store the result,
        as one atomic read-modify-write: no write by anyone, in this process or another
        sharing the backend, may land between the read and the write, so concurrent
        increments never lose one. Use `update_ops.apply_ops` for the ops' meaning; when
        it raises (an op that does not fit the value), store nothing and let it raise.
        Returns the old value (None when the key was missing) and the new one."""

    @abstractmethod
    async def get_group(self, group: str) -> list[JSON]:
        """Every value of the group, in key order."""

    @abstractmethod
    async def clear(self, group: str) -> None:
        """Remove every key of the group."""

    @abstractmethod
    async def pop_group(self, group: str) -> list[tuple[str, JSON]]:
        """Remove every key of the group, atomically, and return what was removed as
        (key, value) in key order (`clear` when state triggers watch)."""

    @abstractmethod
    async def items(self, group: str) -> list[tuple[str, JSON]]:
        """Every (key, value) of the group, in key order (the workbench and tests use it)."""

    @abstractmethod
    async def groups(self) -> list[str]:
        """Every group that holds at least one key, sorted."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook; most backends hold nothing
        """Release the backend's resources."""

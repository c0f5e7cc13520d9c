"""An append-only record read with cursors: captured events and log entries of a test."""

from __future__ import annotations

from typing import Any

DEFAULT_LIMIT = 10_000
"""Entries kept; a test that makes more loses its oldest (cursors stay valid)."""


class Journal:
    """Entries since the last `clear`. A cursor counts every entry ever appended, so a
    reader that asks for what came `since` its cursor never sees an entry twice, even
    across a `clear`."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: list[dict[str, Any]] = []
        self._offset = 0  # entries appended before the first one kept
        self._limit = limit

    def append(self, entry: dict[str, Any]) -> None:
        self._entries.append(entry)
        if len(self._entries) > self._limit:
            dropped = len(self._entries) - self._limit
            del self._entries[:dropped]
            self._offset += dropped

    def since(self, cursor: int) -> tuple[list[dict[str, Any]], int]:
        """The entries appended after `cursor`, and the cursor to ask with next."""
        start = max(cursor - self._offset, 0)
        return list(self._entries[start:]), self._offset + len(self._entries)

    def clear(self) -> None:
        self._offset += len(self._entries)
        self._entries = []

    @property
    def cursor(self) -> int:
        return self._offset + len(self._entries)

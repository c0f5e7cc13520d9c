"""Grouped key-value state shared by every step (docs/reference.md §3)."""

from orchestrator.stores.state.base import StateStore
from orchestrator.stores.state.memory import MemoryStateStore
from orchestrator.stores.state.sqlite import SqliteStateStore, default_state_path, open_sqlite_state

__all__ = [
    "MemoryStateStore",
    "SqliteStateStore",
    "StateStore",
    "default_state_path",
    "open_sqlite_state",
]

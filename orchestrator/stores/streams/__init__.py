"""Where stream items live (docs/reference.md §5): the store interface and its backends."""

from orchestrator.stores.streams.base import SetOutcome, StreamStore
from orchestrator.stores.streams.memory import MemoryStreamStore
from orchestrator.stores.streams.sqlite import SqliteStreamStore, open_sqlite_streams

__all__ = [
    "MemoryStreamStore",
    "SetOutcome",
    "SqliteStreamStore",
    "StreamStore",
    "open_sqlite_streams",
]

"""Embedded storage shared by the durable services (state, event queue, streams)."""

from orchestrator.storage.sqlite import (
    SqliteWorker,
    StorageClosed,
    StorageError,
    open_sqlite_worker,
)

__all__ = ["SqliteWorker", "StorageClosed", "StorageError", "open_sqlite_worker"]

"""`open_stores`: the state store and the event queue's store the settings ask for.

Embedded ones (SQLite) keep their own files, `<data_dir>/state.db` and
`<data_dir>/queue.db`, but share one SqliteWorker: a handler's state writes and its
emits then share the writer thread and its commits. Measured on the `chain`
benchmark, two writer threads taking the GIL from each other and from the trio
thread cost about 15% of the durable chain's throughput. (Streams keep a thread of
their own: a burst of token-by-token updates must not queue behind the bus.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from orchestrator.model.settings import Settings
from orchestrator.stores.queue.base import DeliveryStore
from orchestrator.stores.queue.memory import MemoryDeliveryStore
from orchestrator.stores.queue.sqlite import SqliteDeliveryStore
from orchestrator.stores.sqlite_worker import StrPath, open_sqlite_worker
from orchestrator.stores.state.base import StateStore
from orchestrator.stores.state.memory import MemoryStateStore
from orchestrator.stores.state.sqlite import STATE_FILE, SqliteStateStore

QUEUE_FILE = "queue.db"


@asynccontextmanager
async def open_stores(
    settings: Settings, root: Path
) -> AsyncIterator[tuple[StateStore, DeliveryStore]]:
    """(state, queue) as `settings.state` and `settings.queue` ask; closed on exit
    once every write is committed."""
    data = root / settings.data_dir
    files: dict[str, StrPath] = {}
    if settings.state == "sqlite":
        files["state"] = data / STATE_FILE
    if settings.queue == "sqlite":
        files["queue"] = data / QUEUE_FILE
    if not files:
        yield MemoryStateStore(), MemoryDeliveryStore()
        return
    # The main database is in memory and holds nothing: each store is in its own file,
    # attached under its own schema, whichever of them are embedded.
    async with open_sqlite_worker(":memory:", attached=files) as worker:
        state: StateStore = (
            await SqliteStateStore.on_worker(worker, "state")
            if "state" in files
            else MemoryStateStore()
        )
        queue: DeliveryStore = (
            await SqliteDeliveryStore.on_worker(worker, "queue")
            if "queue" in files
            else MemoryDeliveryStore()
        )
        yield state, queue

"""The embedded state backend (the default): one SQLite table in `.steppe/state.db`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from orchestrator.core.types import JSON
from orchestrator.stores.sqlite_worker import (
    DEFAULT_BUSY_TIMEOUT,
    SqliteWorker,
    StorageClosed,
    StorageError,
    StrPath,
    chunked,
    repeated,
)
from orchestrator.stores.state.base import StateStore, encode_value
from orchestrator.stores.update_ops import UpdateOp, UpdateResult, apply_ops

STATE_FILE = "state.db"

# The primary key is the exact pair, so lookups never compare prefixes: group 'a'
# cannot see 'a:b' or 'a%'. The default BINARY collation compares UTF-8 bytes,
# which orders like code points, so key order matches Python's sorted() and the
# memory backend. WITHOUT ROWID stores each row in the key's own b-tree.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS "{schema}".state (
    group_name TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (group_name, key)
) WITHOUT ROWID
"""


def default_state_path(project_dir: StrPath, data_dir: str = ".steppe") -> Path:
    """Where a project keeps its state: `<project>/<data_dir>/state.db`."""
    return Path(project_dir) / data_dir / STATE_FILE


class SqliteStateStore(StateStore):
    """State in a SQLite file, written through a SqliteWorker so that concurrent
    writes share commits and the trio loop never touches the disk.

    Create it on a path and `await store.open()` (or use `open_sqlite_state`), or
    put it on a worker someone else owns with `await SqliteStateStore.on_worker(worker)`.
    """

    def __init__(self, path: StrPath, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._worker: SqliteWorker | None = None
        self._owns_worker = True

    @classmethod
    async def on_worker(cls, worker: SqliteWorker, schema: str = "main") -> SqliteStateStore:
        """A store on an open worker, in its main file or the one attached as `schema`,
        sharing its thread and commits; aclose leaves the worker open."""
        store = cls(worker.file(schema))
        await worker.run(_create_schema, schema)
        store._worker = worker
        store._owns_worker = False
        return store

    @property
    def worker(self) -> SqliteWorker:
        """The worker the store runs on; raises StorageClosed before `open`."""
        if self._worker is None:
            raise StorageClosed(f"{self.path}: the state store is not open")
        return self._worker

    async def open(self) -> None:
        """Open the file (creating its folder and table); raises StorageError when it cannot."""
        if self._worker is not None:
            raise StorageError(f"{self.path}: the state store was already opened")
        worker = SqliteWorker(self.path, busy_timeout=self.busy_timeout)
        await worker.open()
        try:
            await worker.run(_create_schema)
        except BaseException:
            await worker.aclose()
            raise
        self._worker = worker

    async def aclose(self) -> None:
        # Later calls reach the closed worker and raise StorageClosed, which says why.
        if self._owns_worker and self._worker is not None:
            await self._worker.aclose()

    async def get(self, group: str, key: str) -> JSON:
        return await self.worker.run(_get, group, key)

    async def set(self, group: str, key: str, value: JSON) -> JSON:
        # Encoded here, before any await, so the caller's later mutations cannot reach the store.
        await self.worker.run_merged(_set, (group, key, encode_value(value)))
        return value

    async def replace(self, group: str, key: str, value: JSON) -> JSON:
        return await self.worker.run(_replace, group, key, encode_value(value))

    async def delete(self, group: str, key: str) -> JSON:
        return await self.worker.run(_delete, group, key)

    async def update(self, group: str, key: str, ops: list[UpdateOp]) -> UpdateResult:
        # One job: the worker runs jobs one at a time in its transaction, so nothing can
        # write the key between this job's read and its write.
        return await self.worker.run(_update, group, key, ops)

    async def get_group(self, group: str) -> list[JSON]:
        return await self.worker.run(_get_group, group)

    async def clear(self, group: str) -> None:
        await self.worker.run(_clear, group)

    async def pop_group(self, group: str) -> list[tuple[str, JSON]]:
        return await self.worker.run(_pop_group, group)

    async def items(self, group: str) -> list[tuple[str, JSON]]:
        return await self.worker.run(_items, group)

    async def groups(self) -> list[str]:
        return await self.worker.run(_groups)


@asynccontextmanager
async def open_sqlite_state(
    path: StrPath, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
) -> AsyncIterator[SqliteStateStore]:
    """An open SqliteStateStore on `path`, closed on exit once its writes are committed."""
    store = SqliteStateStore(path, busy_timeout=busy_timeout)
    await store.open()
    try:
        yield store
    finally:
        await store.aclose()


# The jobs below run on the worker thread, inside the worker's transaction; decoding
# JSON there keeps that work off the trio loop too.


def _create_schema(connection: sqlite3.Connection, schema: str = "main") -> None:
    connection.execute(_SCHEMA.format(schema=schema))


def _get(connection: sqlite3.Connection, group: str, key: str) -> JSON:
    row = connection.execute(
        "SELECT value FROM state WHERE group_name = ? AND key = ?", (group, key)
    ).fetchone()
    return None if row is None else json.loads(row[0])


def _set(connection: sqlite3.Connection, rows: list[tuple[str, str, str]]) -> None:
    """Upsert (group, key, JSON) rows, in order: of two for one key, the later wins."""
    # One statement for many rows (see SqliteWorker.run_merged).
    for chunk in chunked(rows):
        connection.execute(
            f"INSERT INTO state (group_name, key, value) VALUES {repeated('(?, ?, ?)', len(chunk))}"
            " ON CONFLICT (group_name, key) DO UPDATE SET value = excluded.value",
            [v for row in chunk for v in row],
        )


def _replace(connection: sqlite3.Connection, group: str, key: str, text: str) -> JSON:
    # One job: nothing can write the key between this read and this write.
    old = _get(connection, group, key)
    _set(connection, [(group, key, text)])
    return old


def _delete(connection: sqlite3.Connection, group: str, key: str) -> JSON:
    old = _get(connection, group, key)
    connection.execute("DELETE FROM state WHERE group_name = ? AND key = ?", (group, key))
    return old


def _update(
    connection: sqlite3.Connection, group: str, key: str, ops: list[UpdateOp]
) -> UpdateResult:
    old = _get(connection, group, key)
    new = apply_ops(old, ops, f"state.update({group!r}, {key!r})")
    _set(connection, [(group, key, encode_value(new))])
    return UpdateResult(old, new)


def _get_group(connection: sqlite3.Connection, group: str) -> list[JSON]:
    rows = connection.execute(
        "SELECT value FROM state WHERE group_name = ? ORDER BY key", (group,)
    ).fetchall()
    return [json.loads(text) for (text,) in rows]


def _clear(connection: sqlite3.Connection, group: str) -> None:
    connection.execute("DELETE FROM state WHERE group_name = ?", (group,))


def _pop_group(connection: sqlite3.Connection, group: str) -> list[tuple[str, JSON]]:
    removed = _items(connection, group)
    _clear(connection, group)
    return removed


def _items(connection: sqlite3.Connection, group: str) -> list[tuple[str, JSON]]:
    rows = connection.execute(
        "SELECT key, value FROM state WHERE group_name = ? ORDER BY key", (group,)
    ).fetchall()
    return [(key, json.loads(text)) for key, text in rows]


def _groups(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute("SELECT DISTINCT group_name FROM state ORDER BY group_name")
    return [group for (group,) in rows]

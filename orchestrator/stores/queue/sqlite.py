"""The durable delivery store: SQLite (WAL) under `.steppe/`, the default.

Writes go through the shared SqliteWorker, so the many small writes of a busy bus
(accept, done) share commits; an accept still returns only once committed, while
done marks are posted and written together.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from orchestrator.core.errors import CallbackError
from orchestrator.stores.queue.base import Delivery, DeliveryStore, Event
from orchestrator.stores.sqlite_worker import (
    SqliteWorker,
    StorageError,
    chunked,
    open_sqlite_worker,
    repeated,
)

# One row per delivery, with its event's JSON: the hot path (accept, done) is one
# statement on one b-tree. An event with several subscribers has its JSON in each of
# their rows, a little disk for half the statements and a third of the index writes.
SCHEMA_VERSION = 2
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS "{schema}".deliveries (
        id TEXT PRIMARY KEY, step TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL, errors TEXT NOT NULL, created REAL NOT NULL,
        updated REAL NOT NULL, event TEXT NOT NULL)""",
    # Only dead letters are listed by age: a partial index leaves accept and done alone.
    'CREATE INDEX IF NOT EXISTS "{schema}".dead_letters_by_update ON deliveries (updated) '
    "WHERE status = 'dead'",
    'CREATE TABLE IF NOT EXISTS "{schema}".idempotency_keys '
    "(key TEXT PRIMARY KEY, claimed REAL NOT NULL)",
)
# Version 1 (no user_version yet) kept events apart from their deliveries.
_MIGRATE_FROM_1 = (
    'ALTER TABLE "{schema}".deliveries RENAME TO deliveries_v1',
    _SCHEMA[0],
    "INSERT INTO deliveries SELECT d.id, d.step, d.status, d.attempts, d.errors, d.created, "
    "d.updated, e.body FROM deliveries_v1 d JOIN events e ON e.id = d.event_id",
    'DROP TABLE "{schema}".deliveries_v1',
    'DROP TABLE "{schema}".events',
)
_SELECT = "SELECT id, step, attempts, errors, event FROM deliveries"


# What `accept` hands the worker: the rows of an event's deliveries.
_Accept = list[tuple[Any, ...]]


def _encode(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CallbackError("ValidationError", f"event data is not JSON: {exc}") from None


def _row_to_delivery(row: tuple[Any, ...]) -> Delivery:
    delivery_id, step, attempts, errors, body = row
    event = Event.from_json(json.loads(body))
    return Delivery(delivery_id, event, step, attempts, json.loads(errors))


def _in(ids: list[str]) -> str:
    return f"({repeated('?', len(ids))})"


def _create(connection: sqlite3.Connection, schema: str, file: Path) -> None:
    """Create the tables, or bring a file of an older Steppe up to date (in the
    worker's transaction: all or nothing, and no delivery is lost)."""
    version = connection.execute(f'PRAGMA "{schema}".user_version').fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{file}: the queue was written by a newer Steppe (schema {version}; this one reads "
            f"{SCHEMA_VERSION} and older): upgrade Steppe, or move the file aside"
        )
    listed = connection.execute(f"SELECT name FROM \"{schema}\".sqlite_master WHERE type = 'table'")
    if "events" in {name for (name,) in listed}:
        for statement in _MIGRATE_FROM_1:
            connection.execute(statement.format(schema=schema))
    for statement in _SCHEMA:
        connection.execute(statement.format(schema=schema))
    connection.execute(f'PRAGMA "{schema}".user_version = {SCHEMA_VERSION}')


def _accept(connection: sqlite3.Connection, accepts: list[_Accept]) -> None:
    """Keep deliveries, given as one list of rows per event."""
    rows = [row for rows in accepts for row in rows]
    # One statement for many rows: the worker thread gives the GIL back on every SQLite
    # call, and under load taking it again is what a write costs most.
    for chunk in chunked(rows):
        connection.execute(
            "INSERT OR IGNORE INTO deliveries VALUES "
            + repeated("(?, ?, 'pending', 0, '[]', ?, ?, ?)", len(chunk)),
            [v for r in chunk for v in r],
        )


def _done(connection: sqlite3.Connection, delivery_ids: list[str]) -> None:
    """Forget done deliveries."""
    for chunk in chunked(delivery_ids):
        connection.execute(f"DELETE FROM deliveries WHERE id IN {_in(chunk)}", chunk)


def _update(
    connection: sqlite3.Connection,
    delivery_id: str,
    status: str,
    attempts: int,
    errors: str,
    now: float,
) -> None:
    connection.execute(
        "UPDATE deliveries SET status = ?, attempts = ?, errors = ?, updated = ? WHERE id = ?",
        (status, attempts, errors, now, delivery_id),
    )


def _select(connection: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[Delivery]:
    rows = connection.execute(f"{_SELECT} WHERE {where}", args).fetchall()
    return [_row_to_delivery(row) for row in rows]


def _revive(connection: sqlite3.Connection, ids: list[str] | None, now: float) -> list[Delivery]:
    where = "status = 'dead'" + (f" AND id IN {_in(ids)}" if ids is not None else "")
    chosen = _select(connection, where + " ORDER BY created", tuple(ids or ()))
    for delivery in chosen:
        _update(connection, delivery.id, "pending", 0, "[]", now)
    return [Delivery(d.id, d.event, d.step) for d in chosen]


def _purge(connection: sqlite3.Connection, ids: list[str] | None) -> int:
    where = "status = 'dead'" + (f" AND id IN {_in(ids)}" if ids is not None else "")
    deleted = connection.execute(f"DELETE FROM deliveries WHERE {where}", tuple(ids or ())).rowcount
    return int(deleted)


def _claim_key(connection: sqlite3.Connection, key: str, now: float, window: float) -> bool:
    row = connection.execute(
        "SELECT claimed FROM idempotency_keys WHERE key = ?", (key,)
    ).fetchone()
    if row is not None and now - row[0] < window:
        return False
    connection.execute("INSERT OR REPLACE INTO idempotency_keys VALUES (?, ?)", (key, now))
    return True


class SqliteDeliveryStore(DeliveryStore):
    def __init__(self, worker: SqliteWorker) -> None:
        self._worker = worker

    @classmethod
    async def on_worker(cls, worker: SqliteWorker, schema: str = "main") -> SqliteDeliveryStore:
        """A store on an open worker, in its main file or the one attached as `schema`."""
        await worker.run(_create, schema, worker.file(schema))
        return cls(worker)

    async def accept(self, event: Event, deliveries: list[Delivery]) -> None:
        body = _encode(event.as_json())
        now = time.time()
        rows = [(d.id, d.step, event.created, now, body) for d in deliveries]
        await self._worker.run_merged(_accept, rows)

    async def done(self, delivery: Delivery) -> None:
        # Posted, not awaited: done marks of many deliveries share one job, and no
        # handler waits for a thread round trip (see DeliveryStore.done).
        self._worker.post(_done, delivery.id)

    async def failed(self, delivery: Delivery) -> None:
        errors = _encode(delivery.errors)
        await self._worker.run(
            _update, delivery.id, "pending", delivery.attempts, errors, time.time()
        )

    async def bury(self, delivery: Delivery) -> None:
        errors = _encode(delivery.errors)
        await self._worker.run(_update, delivery.id, "dead", delivery.attempts, errors, time.time())

    async def pending(self) -> list[Delivery]:
        return await self._worker.run(_select, "status = 'pending' ORDER BY created", ())

    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        where = "status = 'dead' ORDER BY updated DESC LIMIT ?"
        return await self._worker.run(_select, where, (limit,))

    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        found = await self._worker.run(_select, "status = 'dead' AND id = ?", (delivery_id,))
        return found[0] if found else None

    async def revive(self, ids: Iterable[str] | None) -> list[Delivery]:
        chosen = None if ids is None else list(ids)
        return await self._worker.run(_revive, chosen, time.time())

    async def purge(self, ids: Iterable[str] | None) -> int:
        return await self._worker.run(_purge, None if ids is None else list(ids))

    async def claim_key(self, key: str, now: float, window: float) -> bool:
        return await self._worker.run(_claim_key, key, now, window)


@asynccontextmanager
async def open_sqlite_queue(path: Path) -> AsyncIterator[SqliteDeliveryStore]:
    async with open_sqlite_worker(path) as worker:
        yield await SqliteDeliveryStore.on_worker(worker)

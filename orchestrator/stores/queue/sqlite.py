"""The durable delivery store: SQLite (WAL) under `.steppe/`, the default.

Writes go through the shared SqliteWorker, so the many small writes of a busy bus
(accept, done) share commits; an accept still returns only once committed, while
done marks are posted and written together.

Rows keep what a restart needs to schedule a delivery as before: its order of
acceptance (`seq`), when it is due (`available_at`: a delay or a retry's backoff),
its FIFO group and debounce key. One process owns the file (the data folder's
lock), so the schedule itself (`schedule.Schedule`) is kept in memory, loaded from
the rows on open; leases are not written: after a crash every delivery is pending.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from orchestrator.stores.queue.base import (
    Claimed,
    Delivery,
    DeliveryStore,
    Event,
    Limits,
    QueueCounts,
    encode_json,
)
from orchestrator.stores.queue.schedule import Schedule
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
SCHEMA_VERSION = 3
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS "{schema}".deliveries (
        id TEXT PRIMARY KEY, step TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL, errors TEXT NOT NULL, created REAL NOT NULL,
        updated REAL NOT NULL, event TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0,
        available_at REAL NOT NULL DEFAULT 0, grp TEXT, debounce TEXT)""",
    # Only dead letters are listed by age: a partial index leaves accept and done alone.
    'CREATE INDEX IF NOT EXISTS "{schema}".dead_letters_by_update ON deliveries (updated) '
    "WHERE status = 'dead'",
    'CREATE TABLE IF NOT EXISTS "{schema}".idempotency_keys '
    "(key TEXT PRIMARY KEY, claimed REAL NOT NULL)",
)
_COLUMNS = "id, step, status, attempts, errors, created, updated, event"
# Version 1 (no user_version yet) kept events apart from their deliveries.
_MIGRATE_FROM_1 = (
    'ALTER TABLE "{schema}".deliveries RENAME TO deliveries_v1',
    _SCHEMA[0],
    f"INSERT INTO deliveries ({_COLUMNS}) SELECT d.id, d.step, d.status, d.attempts, d.errors, "
    "d.created, d.updated, e.body FROM deliveries_v1 d JOIN events e ON e.id = d.event_id "
    "ORDER BY d.created",
    'DROP TABLE "{schema}".deliveries_v1',
    'DROP TABLE "{schema}".events',
)
# Version 2 had no queue options: every delivery was due at once and unordered.
_MIGRATE_FROM_2 = tuple(
    f'ALTER TABLE "{{schema}}".deliveries ADD COLUMN {column}'
    for column in (
        "seq INTEGER NOT NULL DEFAULT 0",
        "available_at REAL NOT NULL DEFAULT 0",
        "grp TEXT",
        "debounce TEXT",
    )
)
# Migrated rows take their order of acceptance from their order of insertion.
_NUMBER_ROWS = 'UPDATE "{schema}".deliveries SET seq = rowid WHERE seq = 0'
_SELECT = (
    "SELECT id, step, attempts, errors, event, available_at, grp, debounce, seq FROM deliveries"
)


# What `accept` hands the worker: the rows of an event's deliveries, and the ids of
# the deliveries they replace.
_Accept = tuple[list[tuple[Any, ...]], list[str]]


def _row_to_delivery(row: tuple[Any, ...]) -> Delivery:
    delivery_id, step, attempts, errors, body, available_at, group, debounce, seq = row
    event = Event.from_json(json.loads(body))
    return Delivery(
        delivery_id, event, step, attempts, json.loads(errors), available_at, group, debounce, seq
    )


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
    migration: tuple[str, ...] = ()
    if "events" in {name for (name,) in listed}:
        migration = (*_MIGRATE_FROM_1, _NUMBER_ROWS)
    elif version == 2:
        migration = (*_MIGRATE_FROM_2, _NUMBER_ROWS)
    for statement in (*migration, *_SCHEMA):
        connection.execute(statement.format(schema=schema))
    connection.execute(f'PRAGMA "{schema}".user_version = {SCHEMA_VERSION}')


def _accept(connection: sqlite3.Connection, accepts: list[_Accept]) -> None:
    """Keep deliveries, given per event as its rows and the ids of the deliveries
    they replace (debounced)."""
    rows = [row for rows, _ in accepts for row in rows]
    # One statement for many rows: the worker thread gives the GIL back on every SQLite
    # call, and under load taking it again is what a write costs most.
    for chunk in chunked(rows):
        connection.execute(
            f"INSERT OR IGNORE INTO deliveries ({_COLUMNS}, seq, available_at, grp, debounce) "
            "VALUES " + repeated("(?, ?, 'pending', 0, '[]', ?, ?, ?, ?, ?, ?, ?)", len(chunk)),
            [v for r in chunk for v in r],
        )
    # After every insert of the batch: what is replaced may have been accepted in it.
    _done(connection, [i for _, replaced in accepts for i in replaced])


def _accept_dead(connection: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    connection.executemany(
        f"INSERT OR IGNORE INTO deliveries ({_COLUMNS}, seq) "
        "VALUES (?, ?, 'dead', ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _done(connection: sqlite3.Connection, delivery_ids: list[str]) -> None:
    """Forget done deliveries."""
    for chunk in chunked(delivery_ids):
        connection.execute(f"DELETE FROM deliveries WHERE id IN {_in(chunk)}", chunk)


def _update(
    connection: sqlite3.Connection, delivery: Delivery, status: str, errors: str, now: float
) -> None:
    connection.execute(
        "UPDATE deliveries SET status = ?, attempts = ?, errors = ?, updated = ?, "
        "available_at = ? WHERE id = ?",
        (status, delivery.attempts, errors, now, delivery.available_at, delivery.id),
    )


def _select(connection: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> list[Delivery]:
    rows = connection.execute(f"{_SELECT} WHERE {where}", args).fetchall()
    return [_row_to_delivery(row) for row in rows]


def _revive(connection: sqlite3.Connection, ids: list[str] | None, now: float) -> list[Delivery]:
    where = "status = 'dead'" + (f" AND id IN {_in(ids)}" if ids is not None else "")
    chosen = _select(connection, where + " ORDER BY created", tuple(ids or ()))
    # Back in its place in its FIFO group; no longer debounced (a replay runs).
    revived = [Delivery(d.id, d.event, d.step, group=d.group, seq=d.seq) for d in chosen]
    connection.execute(f"UPDATE deliveries SET debounce = NULL WHERE {where}", tuple(ids or ()))
    for delivery in revived:
        _update(connection, delivery, "pending", "[]", now)
    return revived


def _load(connection: sqlite3.Connection) -> tuple[list[Delivery], int]:
    """The pending deliveries in order, and the highest `seq` given so far."""
    pending = _select(connection, "status = 'pending' ORDER BY seq", ())
    highest = connection.execute("SELECT MAX(seq) FROM deliveries").fetchone()[0]
    return pending, int(highest or 0)


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
        self._schedule = Schedule()

    @classmethod
    async def on_worker(cls, worker: SqliteWorker, schema: str = "main") -> SqliteDeliveryStore:
        """A store on an open worker, in its main file or the one attached as `schema`."""
        await worker.run(_create, schema, worker.file(schema))
        store = cls(worker)
        pending, highest = await worker.run(_load)
        store._schedule.next_seq(highest)
        for delivery in pending:
            store._schedule.add(delivery)
        return store

    async def accept(self, event: Event, deliveries: list[Delivery]) -> list[Delivery]:
        body = encode_json(event.as_json())
        now = time.time()
        replaced: list[Delivery] = []
        rows = []
        for d in deliveries:
            d.seq = self._schedule.next_seq()
            if d.debounce is not None:
                waiting = self._schedule.supersede(d.step, d.debounce)
                replaced += [waiting] if waiting is not None else []
            # Scheduled now, so that its place is taken in the order of the emits;
            # held, so that nothing starts it before it is durable.
            self._schedule.add(d, held=True)
            rows.append((d.id, d.step, event.created, now, body, d.seq, d.available_at, d.group,
                         d.debounce))  # fmt: skip
        try:
            await self._worker.run_merged(_accept, (rows, [r.id for r in replaced]))
        except Exception:  # not written (trio.Cancelled is not an Exception: see below)
            for delivery in deliveries:
                self._schedule.remove(delivery)
            for delivery in replaced:
                self._schedule.add(delivery)  # still in the file: not replaced after all
            raise
        finally:
            # Cancelled while the write went on (it may well commit): offered all the
            # same, since a delivery run twice is allowed and one never run is not.
            for delivery in deliveries:
                self._schedule.commit(delivery)
        return replaced

    async def accept_dead(self, event: Event, deliveries: list[Delivery]) -> None:
        body = encode_json(event.as_json())
        now = time.time()
        rows = []
        for d in deliveries:
            d.seq = self._schedule.next_seq()
            rows.append((d.id, d.step, d.attempts, encode_json(d.errors), event.created, now, body,
                         d.seq))  # fmt: skip
        await self._worker.run(_accept_dead, rows)

    async def claim(self, step: str, limits: Limits, now: float) -> Claimed:
        return self._schedule.claim(step, limits, now)

    async def done(self, delivery: Delivery) -> None:
        self._schedule.remove(delivery)
        # Posted, not awaited: done marks of many deliveries share one job, and no
        # handler waits for a thread round trip (see DeliveryStore.done).
        self._worker.post(_done, delivery.id)

    async def failed(self, delivery: Delivery) -> None:
        self._schedule.retry(delivery)
        errors = encode_json(delivery.errors)
        await self._worker.run(_update, delivery, "pending", errors, time.time())

    async def bury(self, delivery: Delivery) -> None:
        self._schedule.remove(delivery)
        errors = encode_json(delivery.errors)
        await self._worker.run(_update, delivery, "dead", errors, time.time())

    async def pending(self) -> list[Delivery]:
        return list(self._schedule)

    async def counts(self, step: str, now: float) -> QueueCounts:
        return self._schedule.counts(step, now)

    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        where = "status = 'dead' ORDER BY updated DESC LIMIT ?"
        return await self._worker.run(_select, where, (limit,))

    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        found = await self._worker.run(_select, "status = 'dead' AND id = ?", (delivery_id,))
        return found[0] if found else None

    async def revive(self, ids: Iterable[str] | None) -> list[Delivery]:
        chosen = None if ids is None else list(ids)
        revived = await self._worker.run(_revive, chosen, time.time())
        for delivery in revived:
            self._schedule.add(delivery)
        return revived

    async def purge(self, ids: Iterable[str] | None) -> int:
        return await self._worker.run(_purge, None if ids is None else list(ids))

    async def claim_key(self, key: str, now: float, window: float) -> bool:
        return await self._worker.run(_claim_key, key, now, window)


@asynccontextmanager
async def open_sqlite_queue(path: Path) -> AsyncIterator[SqliteDeliveryStore]:
    async with open_sqlite_worker(path) as worker:
        yield await SqliteDeliveryStore.on_worker(worker)

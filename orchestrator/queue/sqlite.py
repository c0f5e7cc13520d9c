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

from orchestrator.errors import CallbackError
from orchestrator.queue.base import Delivery, DeliveryStore, Event
from orchestrator.storage.sqlite import SqliteWorker, chunked, open_sqlite_worker, repeated

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events (
        id TEXT PRIMARY KEY, body TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS deliveries (
        id TEXT PRIMARY KEY, event_id TEXT NOT NULL, step TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL, errors TEXT NOT NULL,
        created REAL NOT NULL, updated REAL NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (status, created)",
    # Forgetting an event asks whether any delivery of it is left: without this, a scan.
    "CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (event_id)",
    "CREATE TABLE IF NOT EXISTS idempotency_keys (key TEXT PRIMARY KEY, claimed REAL NOT NULL)",
)
_SELECT = (
    "SELECT d.id, d.step, d.attempts, d.errors, e.body FROM deliveries d "
    "JOIN events e ON e.id = d.event_id"
)


# What `accept` hands the worker: an event's id, its JSON, and its delivery rows.
_Accept = tuple[str, str, list[tuple[Any, ...]]]


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


def _create(connection: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        connection.execute(statement)


def _insert(
    connection: sqlite3.Connection, into: str, row: str, rows: list[tuple[Any, ...]]
) -> None:
    # One statement for many rows: the worker thread gives the GIL back on every SQLite
    # call, and under load taking it again is what a write costs most.
    for chunk in chunked(rows):
        connection.execute(
            f"INSERT OR IGNORE INTO {into} VALUES {repeated(row, len(chunk))}",
            [v for r in chunk for v in r],
        )


def _accept(connection: sqlite3.Connection, accepts: list[_Accept]) -> None:
    """Keep events and their deliveries, given as (event id, event JSON, delivery rows)."""
    _insert(connection, "events", "(?, ?)", [(event_id, body) for event_id, body, _ in accepts])
    rows = [row for _, _, rows in accepts for row in rows]
    _insert(connection, "deliveries", "(?, ?, ?, 'pending', 0, '[]', ?, ?)", rows)


def _forget_events_if_unused(connection: sqlite3.Connection, event_ids: list[str]) -> None:
    for chunk in chunked(event_ids):
        connection.execute(
            f"DELETE FROM events WHERE id IN {_in(chunk)} AND NOT EXISTS "
            "(SELECT 1 FROM deliveries WHERE event_id = events.id)",
            chunk,
        )


def _done(connection: sqlite3.Connection, marks: list[tuple[str, str]]) -> None:
    """Forget done deliveries, given as (delivery id, event id), and their events once
    no delivery of them is left."""
    for chunk in chunked([delivery_id for delivery_id, _ in marks]):
        connection.execute(f"DELETE FROM deliveries WHERE id IN {_in(chunk)}", chunk)
    _forget_events_if_unused(connection, list({event_id for _, event_id in marks}))


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
    where = "d.status = 'dead'" + (f" AND d.id IN {_in(ids)}" if ids is not None else "")
    chosen = _select(connection, where + " ORDER BY d.created", tuple(ids or ()))
    for delivery in chosen:
        _update(connection, delivery.id, "pending", 0, "[]", now)
    return [Delivery(d.id, d.event, d.step) for d in chosen]


def _purge(connection: sqlite3.Connection, ids: list[str] | None) -> int:
    where = "status = 'dead'" + (f" AND id IN {_in(ids)}" if ids is not None else "")
    event_ids = [
        r[0]
        for r in connection.execute(
            f"SELECT event_id FROM deliveries WHERE {where}", tuple(ids or ())
        )
    ]
    deleted = connection.execute(f"DELETE FROM deliveries WHERE {where}", tuple(ids or ())).rowcount
    _forget_events_if_unused(connection, list(set(event_ids)))
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
    async def on_worker(cls, worker: SqliteWorker) -> SqliteDeliveryStore:
        await worker.run(_create)
        return cls(worker)

    async def accept(self, event: Event, deliveries: list[Delivery]) -> None:
        body = _encode(event.as_json())
        now = time.time()
        rows = [(d.id, event.id, d.step, event.created, now) for d in deliveries]
        await self._worker.run_merged(_accept, (event.id, body, rows))

    async def done(self, delivery: Delivery) -> None:
        # Posted, not awaited: done marks of many deliveries share one job, and no
        # handler waits for a thread round trip (see DeliveryStore.done).
        self._worker.post(_done, (delivery.id, delivery.event.id))

    async def failed(self, delivery: Delivery) -> None:
        errors = _encode(delivery.errors)
        await self._worker.run(
            _update, delivery.id, "pending", delivery.attempts, errors, time.time()
        )

    async def bury(self, delivery: Delivery) -> None:
        errors = _encode(delivery.errors)
        await self._worker.run(_update, delivery.id, "dead", delivery.attempts, errors, time.time())

    async def pending(self) -> list[Delivery]:
        return await self._worker.run(_select, "d.status = 'pending' ORDER BY d.created", ())

    async def dead_letters(self, limit: int = 1000) -> list[Delivery]:
        where = "d.status = 'dead' ORDER BY d.updated DESC LIMIT ?"
        return await self._worker.run(_select, where, (limit,))

    async def dead_letter(self, delivery_id: str) -> Delivery | None:
        found = await self._worker.run(_select, "d.status = 'dead' AND d.id = ?", (delivery_id,))
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

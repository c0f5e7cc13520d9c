"""What only the SQLite delivery store promises: its file's schema, and that a queue
written by an older Steppe opens with every delivery it held."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from orchestrator.stores.queue import Delivery, Event
from orchestrator.stores.queue.sqlite import SCHEMA_VERSION, open_sqlite_queue
from orchestrator.stores.sqlite_worker import StorageError

# The schema of Steppe's first queue file (no user_version), as it wrote it.
_VERSION_1 = (
    "CREATE TABLE events (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    """CREATE TABLE deliveries (
        id TEXT PRIMARY KEY, event_id TEXT NOT NULL, step TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL, errors TEXT NOT NULL,
        created REAL NOT NULL, updated REAL NOT NULL)""",
    "CREATE INDEX deliveries_by_status ON deliveries (status, created)",
    "CREATE INDEX deliveries_by_event ON deliveries (event_id)",
    "CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, claimed REAL NOT NULL)",
)


def _event(n: int) -> Event:
    return Event(f"e{n}", "orders.placed", {"n": n, "note": "ünïcode"}, "t" * 32, "Src", 1, 1e9 + n)


def _write_version_1(path: Path) -> None:
    errors = [{"message": "boom", "attempt": 3}]
    with sqlite3.connect(path) as connection:
        for statement in _VERSION_1:
            connection.execute(statement)
        for n in (1, 2):
            body = json.dumps(_event(n).as_json())
            connection.execute("INSERT INTO events VALUES (?, ?)", (f"e{n}", body))
        connection.executemany(
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ("d1a", "e1", "Audit", "pending", 1, "[]", 1e9 + 1, 1e9 + 5),
                ("d1b", "e1", "Bill", "dead", 3, json.dumps(errors), 1e9 + 1, 1e9 + 6),
                ("d2a", "e2", "Audit", "pending", 0, "[]", 1e9 + 2, 1e9 + 2),
            ],
        )
        connection.execute("INSERT INTO idempotency_keys VALUES ('k', ?)", (1e9,))
    connection.close()


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        names = {name for (name,) in rows}
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    return names


async def test_a_queue_written_by_the_first_schema_keeps_every_delivery(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    _write_version_1(path)
    async with open_sqlite_queue(path) as store:
        pending = await store.pending()
        assert [(d.id, d.step, d.attempts, d.event) for d in pending] == [
            ("d1a", "Audit", 1, _event(1)),
            ("d2a", "Audit", 0, _event(2)),
        ]
        [dead] = await store.dead_letters()
        assert (dead.id, dead.step, dead.event) == ("d1b", "Bill", _event(1))
        assert dead.errors == [{"message": "boom", "attempt": 3}]
        assert not await store.claim_key("k", 1e9 + 1, 60)  # claimed keys are kept too
        await store.done(pending[0])
    assert _tables(path) == {"deliveries", "idempotency_keys"}
    async with open_sqlite_queue(path) as store:  # opening again changes nothing
        assert [d.id for d in await store.pending()] == ["d2a"]


async def test_an_event_for_several_steps_stays_until_the_last_is_done(tmp_path: Path) -> None:
    event = _event(7)
    deliveries = [Delivery(f"d-{step}", event, step) for step in ("A", "B")]
    async with open_sqlite_queue(tmp_path / "queue.db") as store:
        await store.accept(event, deliveries)
        await store.done(deliveries[0])
    async with open_sqlite_queue(tmp_path / "queue.db") as store:
        [left] = await store.pending()
        assert (left.id, left.event) == ("d-B", event)


async def test_a_queue_from_a_newer_steppe_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        connection.execute("CREATE TABLE future (x)")
    connection.close()
    with pytest.raises(StorageError, match="newer Steppe") as raised:
        async with open_sqlite_queue(path):
            pass
    assert str(raised.value).startswith(f"{path}: ")
    assert "move the file aside" in str(raised.value)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    connection.close()

"""What only the SQLite delivery store promises: its file's schema, and that a queue
written by an older Steppe opens with every delivery it held."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from orchestrator.stores.queue import Delivery, Event
from orchestrator.stores.queue.base import Claimed, Limits
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


# Steppe's second queue schema (user_version 2): no queue options in the rows.
_VERSION_2 = (
    """CREATE TABLE deliveries (
        id TEXT PRIMARY KEY, step TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL, errors TEXT NOT NULL, created REAL NOT NULL,
        updated REAL NOT NULL, event TEXT NOT NULL)""",
    "CREATE INDEX dead_letters_by_update ON deliveries (updated) WHERE status = 'dead'",
    "CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, claimed REAL NOT NULL)",
    "PRAGMA user_version = 2",
)


async def test_a_queue_written_by_the_second_schema_keeps_its_order_and_is_due_at_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "queue.db"
    with sqlite3.connect(path) as connection:
        for statement in _VERSION_2:
            connection.execute(statement)
        for n in (3, 1, 2):  # inserted in this order: the order they were accepted in
            body = json.dumps(_event(n).as_json())
            connection.execute(
                "INSERT INTO deliveries VALUES (?, 'Audit', 'pending', 0, '[]', ?, ?, ?)",
                (f"d{n}", 1e9 + n, 1e9 + n, body),
            )
    connection.close()
    async with open_sqlite_queue(path) as store:
        assert [d.id for d in await store.pending()] == ["d3", "d1", "d2"]
        claimed = await store.claim("Audit", Limits(), 0.0)
        assert [d.id for d in claimed.deliveries] == ["d3", "d1", "d2"]
        event = _event(4)
        new = Delivery("d4", event, "Audit")
        await store.accept(event, [new])
        assert new.seq > max(d.seq for d in claimed.deliveries)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()


async def test_what_schedules_a_delivery_survives_a_reopen(tmp_path: Path) -> None:
    """A delay, a retry's backoff, a FIFO group's order and a debounce key are in the
    file: after a restart each delivery is due when it was, in its place."""
    path = tmp_path / "queue.db"
    events = [_event(n) for n in range(5)]
    async with open_sqlite_queue(path) as store:
        delayed = Delivery("delayed", events[0], "A", available_at=500.0)
        head = Delivery("head", events[1], "F", group="g")
        behind = Delivery("behind", events[2], "F", group="g")
        debounced = Delivery("debounced", events[3], "D", available_at=40.0, debounce="k")
        for event, delivery in zip(events, (delayed, head, behind, debounced), strict=False):
            await store.accept(event, [delivery])
        [claimed] = (await store.claim("F", Limits(), 0.0)).deliveries
        claimed.attempts, claimed.available_at = 1, 30.0
        claimed.errors.append({"name": "Error", "message": "boom", "attempt": 1})
        await store.failed(claimed)
        highest = max(d.seq for d in (delayed, head, behind, debounced))
    async with open_sqlite_queue(path) as store:
        assert await store.claim("A", Limits(), 499.0) == Claimed([], 500.0)
        assert (await store.claim("F", Limits(), 29.0)).wake_at == 30.0  # behind waits too
        [again] = (await store.claim("F", Limits(), 30.0)).deliveries
        assert (again.id, again.attempts, again.errors[0]["message"]) == ("head", 1, "boom")
        replacing = Delivery("replacing", events[4], "D", available_at=45.0, debounce="k")
        [replaced] = await store.accept(events[4], [replacing])
        assert replaced.id == "debounced"
        assert replacing.seq > highest
    async with open_sqlite_queue(path) as store:
        assert [d.id for d in await store.pending()] == ["delayed", "head", "behind", "replacing"]

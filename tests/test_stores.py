"""open_stores: each embedded store in its own file, all on one writer thread."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from orchestrator.model.settings import Settings
from orchestrator.stores.queue import Delivery, Event, MemoryDeliveryStore
from orchestrator.stores.setup import open_stores
from orchestrator.stores.state import MemoryStateStore, SqliteStateStore


def _settings(state: str, queue: str) -> Settings:
    return replace(Settings(), state=state, queue=queue, data_dir=".data")


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        names = {n for (n,) in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    return names


async def test_state_and_queue_keep_their_own_files_on_one_worker(tmp_path: Path) -> None:
    event = Event("e1", "t", {"n": 1}, "t" * 32, None, 1, 1.0)
    async with open_stores(_settings("sqlite", "sqlite"), tmp_path) as (state, queue):
        assert isinstance(state, SqliteStateStore)
        data = tmp_path / ".data"
        assert state.worker.attached == {"state": data / "state.db", "queue": data / "queue.db"}
        await state.set("orders", "o1", {"total": 3})
        await queue.accept(event, [Delivery("d1", event, "Audit")])
    assert "state" in _tables(data / "state.db")
    assert "deliveries" not in _tables(data / "state.db")
    assert "deliveries" in _tables(data / "queue.db")
    assert "state" not in _tables(data / "queue.db")
    async with open_stores(_settings("sqlite", "sqlite"), tmp_path) as (state, queue):
        assert await state.get("orders", "o1") == {"total": 3}
        assert [d.id for d in await queue.pending()] == ["d1"]


async def test_a_durable_queue_with_state_in_memory(tmp_path: Path) -> None:
    async with open_stores(_settings("memory", "sqlite"), tmp_path) as (state, queue):
        assert isinstance(state, MemoryStateStore)
        assert not isinstance(queue, MemoryDeliveryStore)
    assert (tmp_path / ".data" / "queue.db").is_file()
    assert not (tmp_path / ".data" / "state.db").exists()


async def test_nothing_is_written_when_both_are_in_memory(tmp_path: Path) -> None:
    async with open_stores(_settings("memory", "memory"), tmp_path) as (state, queue):
        assert isinstance(state, MemoryStateStore)
        assert isinstance(queue, MemoryDeliveryStore)
    assert not (tmp_path / ".data").exists()

"""The `store` fixture: each delivery store test runs on memory and on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from orchestrator.stores.queue import DeliveryStore, MemoryDeliveryStore
from orchestrator.stores.queue.sqlite import open_sqlite_queue


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DeliveryStore]:
    if request.param == "memory":
        yield MemoryDeliveryStore()
    else:
        async with open_sqlite_queue(tmp_path / "queue.db") as sqlite_store:
            yield sqlite_store

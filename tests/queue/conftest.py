"""The `store` fixture: each delivery store test runs on memory, SQLite and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from orchestrator.stores.queue import DeliveryStore, MemoryDeliveryStore
from orchestrator.stores.queue.redis import RedisDeliveryStore
from orchestrator.stores.queue.sqlite import open_sqlite_queue
from orchestrator.stores.redis_worker import open_redis_worker
from tests.redis_server import RedisServer


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DeliveryStore]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        async with open_redis_worker(server.url, server.prefix()) as worker:
            yield RedisDeliveryStore(worker)
    elif request.param == "memory":
        yield MemoryDeliveryStore()
    else:
        async with open_sqlite_queue(tmp_path / "queue.db") as sqlite_store:
            yield sqlite_store

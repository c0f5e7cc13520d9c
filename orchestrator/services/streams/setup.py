"""`open_streams`: the stream store the settings ask for, with its hub and service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from orchestrator.core.logs import LogSink
from orchestrator.model.settings import Settings, streams_store
from orchestrator.runtime.pool import RunnerPool
from orchestrator.services.project import Project
from orchestrator.services.streams.access import AccessChecker
from orchestrator.services.streams.auth import ConnectionAuth
from orchestrator.services.streams.hub import StreamHub
from orchestrator.services.streams.relay import SharedHub, relaying
from orchestrator.services.streams.service import StreamsService
from orchestrator.stores.setup import open_redis
from orchestrator.stores.streams.base import StreamStore
from orchestrator.stores.streams.memory import MemoryStreamStore
from orchestrator.stores.streams.redis import RedisStreamStore
from orchestrator.stores.streams.sqlite import open_sqlite_streams

STREAMS_FILE = "streams.db"


@asynccontextmanager
async def open_streams(
    settings: Settings,
    root: Path,
    pool: RunnerPool,
    project: Project,
    logs: LogSink,
) -> AsyncIterator[StreamsService]:
    """Streams kept where `settings.streams` says (by default where state is kept):
    `<data_dir>/streams.db`, memory, or Redis (changes relayed between instances). The
    store closes on exit, after its last writes are committed."""
    hub = StreamHub(logs, buffer_messages=settings.stream_buffer)
    # canAccess is a quick predicate: a client should not wait a handler's timeout on it.
    # So are authenticateStream, onJoin and onLeave.
    timeout = min(settings.handler_timeout, 10.0)
    access = AccessChecker(pool, logs, timeout)
    auth = ConnectionAuth(pool, logs, timeout)
    auth.file = project.stream_auth

    def service_on(store: StreamStore) -> StreamsService:
        return StreamsService(project.streams, store, hub, access, auth)

    kind = streams_store(settings)
    if kind == "memory":
        yield service_on(MemoryStreamStore())
        return
    if kind == "redis":
        async with open_redis(settings, root) as worker:
            hub = SharedHub(logs, worker, buffer_messages=settings.stream_buffer)
            async with relaying(hub, settings.redis_url):
                yield service_on(RedisStreamStore(worker))
        return
    async with open_sqlite_streams(root / settings.data_dir / STREAMS_FILE) as store:
        yield service_on(store)

"""`open_stores`: the state store and the event queue's store the settings ask for.

Redis ones (docs/reference.md §11) share one RedisWorker: one connection, one thread, and the
commands of concurrent callers in one pipeline.

Embedded ones (SQLite) keep their own files, `<data_dir>/state.db` and
`<data_dir>/queue.db`, but share one SqliteWorker: a handler's state writes and its
emits then share the writer thread and its commits. Measured on the `chain`
benchmark, two writer threads taking the GIL from each other and from the trio
thread cost about 15% of the durable chain's throughput. (Streams keep a thread of
their own: a burst of token-by-token updates must not queue behind the bus.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from orchestrator.model.settings import Settings
from orchestrator.stores.queue.base import DeliveryStore
from orchestrator.stores.queue.memory import MemoryDeliveryStore
from orchestrator.stores.queue.redis import RedisDeliveryStore
from orchestrator.stores.queue.sqlite import SqliteDeliveryStore
from orchestrator.stores.records import RedisRecords
from orchestrator.stores.redis_worker import RedisWorker, open_redis_worker
from orchestrator.stores.sqlite_worker import StrPath, open_sqlite_worker
from orchestrator.stores.state.base import StateStore
from orchestrator.stores.state.memory import MemoryStateStore
from orchestrator.stores.state.redis import RedisStateStore
from orchestrator.stores.state.sqlite import STATE_FILE, SqliteStateStore

QUEUE_FILE = "queue.db"
# Seconds between claims of an idle step on Redis: how soon an instance takes work
# another accepted (that one starts its own at once) or one whose holder died.
POLL_INTERVAL = 0.25


def redis_prefix(settings: Settings, root: Path) -> str:
    """What every Redis key of the project starts with: `redis_prefix`, else the folder's name."""
    return settings.redis_prefix or root.name


def tick_lock(queue: DeliveryStore) -> Callable[[str, float], Awaitable[bool]] | None:
    """How instances sharing the queue share cron ticks (Redis), or None (one instance)."""
    return queue.take_tick if isinstance(queue, RedisDeliveryStore) else None


def shared_records(queue: DeliveryStore, instance: str) -> RedisRecords | None:
    """Where instances sharing the queue (Redis) put their spans and log entries for one
    another's admin API, or None (one instance: its own traces and tail)."""
    return RedisRecords(queue.worker, instance) if isinstance(queue, RedisDeliveryStore) else None


@asynccontextmanager
async def open_redis(settings: Settings, root: Path) -> AsyncIterator[RedisWorker]:
    """A RedisWorker on `redis_url`; raises RedisUnavailable naming the URL."""
    async with open_redis_worker(settings.redis_url, redis_prefix(settings, root)) as worker:
        yield worker


@asynccontextmanager
async def open_stores(
    settings: Settings, root: Path, redis: RedisWorker | None = None
) -> AsyncIterator[tuple[StateStore, DeliveryStore]]:
    """(state, queue) as `settings.state` and `settings.queue` ask (the 'redis' ones on
    `redis`, opened here when not given); closed on exit once every write is committed."""
    data = root / settings.data_dir
    files: dict[str, StrPath] = {}
    if settings.state == "sqlite":
        files["state"] = data / STATE_FILE
    if settings.queue == "sqlite":
        files["queue"] = data / QUEUE_FILE
    async with AsyncExitStack() as stack:
        if redis is None and "redis" in (settings.state, settings.queue):
            redis = await stack.enter_async_context(open_redis(settings, root))
        worker = (
            await stack.enter_async_context(open_sqlite_worker(":memory:", attached=files))
            if files
            else None
        )
        state: StateStore
        if settings.state == "redis":
            assert redis is not None
            state = RedisStateStore(redis)
        elif worker is not None and "state" in files:
            state = await SqliteStateStore.on_worker(worker, "state")
        else:
            state = MemoryStateStore()
        queue: DeliveryStore
        if settings.queue == "redis":
            assert redis is not None
            lease = max(settings.visibility_timeout, settings.handler_timeout)
            queue = RedisDeliveryStore(redis, lease=lease, poll=POLL_INTERVAL)
        elif worker is not None and "queue" in files:
            queue = await SqliteDeliveryStore.on_worker(worker, "queue")
        else:
            queue = MemoryDeliveryStore()
        yield state, queue

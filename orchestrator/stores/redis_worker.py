"""One Redis connection on one thread, fed by a queue, awaited from trio (docs/reference.md §11).

The client is redis-py, synchronous, with the hiredis parser: measured on 2 cores it
answers a command in about 30 µs and pipelines about 150k commands/s, where coredis
on trio takes about 400 µs and 27k/s (README "Running several instances"). Like the
SQLite writer (`sqlite_worker`), the thread takes every job queued so far and sends
them as one pipeline: concurrent callers share a round trip, and the busier the
orchestrator the bigger the batches. A job is a list of commands whose replies it
gets back in order; what must be atomic is one Lua script (`Script`), run by its
SHA and loaded again when Redis has forgotten it (a restart).

Redis lost while serving: every job of the batch raises RedisUnavailable (which the
HTTP layer answers 503), the log says so once, and says so once again when Redis
answers again; nothing is retried here, so no write is ever sent twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import outcome
import trio

from orchestrator.core.errors import CallbackError
from orchestrator.stores.sqlite_worker import StorageError

log = logging.getLogger("steppe.redis")

Command = tuple[Any, ...]

STORAGE_UNAVAILABLE = "StorageUnavailable"


class RedisUnavailable(StorageError, CallbackError):
    """Redis cannot be reached (at start, or while serving); the message names the URL.

    A handler whose `state`, `emit` or `streams` call needs Redis sees it as
    `StorageUnavailable` (a CallbackError, so the RPC layer answers it without a
    traceback in the log for every call: the worker says once that Redis is lost)."""

    def __init__(self, message: str) -> None:
        CallbackError.__init__(self, STORAGE_UNAVAILABLE, message)


class RedisCommandError(StorageError):
    """Redis refused a command (a bug, or a key of the wrong type under our prefix)."""


@dataclass(frozen=True, slots=True)
class Script:
    """A Lua script, sent by its SHA (`EVALSHA`) so that a call costs its arguments only."""

    source: str
    sha: str = field(init=False)  # computed once: a call is made per delivery

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha", hashlib.sha1(self.source.encode()).hexdigest())

    def call(self, keys: Sequence[str], args: Sequence[Any]) -> Command:
        return ("EVALSHA", self.sha, len(keys), *keys, *args)


@dataclass(eq=False, slots=True)
class _Job:
    commands: list[Command]
    token: trio.lowlevel.TrioToken | None
    task: trio.lowlevel.Task | None
    result: outcome.Outcome[list[Any]] | None = None
    abandoned: bool = False


class RedisWorker:
    """A thread that owns one Redis connection and runs pipelines for trio tasks.

    `await worker.run([commands])` returns their replies (strings decoded as UTF-8).
    Every key a store writes goes through `key(...)`, which puts `prefix:` first."""

    def __init__(self, url: str, prefix: str, scripts: Sequence[Script] = ()) -> None:
        redis = import_redis()
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = safe_url(url)
        self.prefix = prefix
        self._redis = redis
        # No retries: a pipeline sent again after a lost reply could write twice.
        self._client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=2.0,
            socket_timeout=10.0,
            retry=Retry(NoBackoff(), 0),
        )
        self._connection: Any = None  # the thread's, made on its first batch
        # redis-py's reply shapes (XREVRANGE → [(id, {field: value})], …), by command;
        # a plain dict, since a lookup is made per reply.
        self._shapes: dict[str, Any] = {
            str(name).upper(): shape for name, shape in self._client.response_callbacks.items()
        }
        self._pack = import_hiredis_pack()
        self._scripts = {s.sha: s for s in scripts}
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._main, name="steppe-redis", daemon=True)
        self._accepting = False
        self._down = False  # the thread's view: the last batch failed to reach Redis
        self.round_trips = 0
        """Pipelines sent so far (the bench counts round trips per delivered event)."""

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def add_scripts(self, scripts: Sequence[Script]) -> None:
        """Scripts a store runs; loaded on first use (before `open`, or from the thread)."""
        self._scripts.update((s.sha, s) for s in scripts)

    async def open(self) -> None:
        """Start the thread; raises RedisUnavailable naming the URL when Redis does not answer."""
        self._accepting = True
        self._thread.start()
        try:
            await self.run([("PING",)])
        except BaseException:
            await self.aclose()
            raise

    async def run(self, commands: list[Command]) -> list[Any]:
        """Send the commands (with whatever else is queued) and return their replies."""
        await trio.lowlevel.checkpoint_if_cancelled()
        self._check_accepting()
        job = _Job(commands, trio.lowlevel.current_trio_token(), trio.lowlevel.current_task())
        self._queue.put(job)

        def abort(_: Any) -> trio.lowlevel.Abort:
            job.abandoned = True
            return trio.lowlevel.Abort.SUCCEEDED

        replies: list[Any] = await trio.lowlevel.wait_task_rescheduled(abort)
        return replies

    def post(self, commands: list[Command]) -> None:
        """Send the commands with the next batch; nobody waits (a failure is logged)."""
        self._check_accepting()
        self._queue.put(_Job(commands, None, None))

    def _check_accepting(self) -> None:
        if not self._accepting:
            raise RedisUnavailable(f"{self.url}: the Redis connection is closed")

    async def aclose(self) -> None:
        """Stop once every job queued so far has been sent."""
        if not self._accepting:
            return
        self._accepting = False
        self._queue.put(None)
        await trio.to_thread.run_sync(self._thread.join)
        if self._connection is not None:
            self._client.connection_pool.release(self._connection)
        self._client.close()

    # The thread ------------------------------------------------------------------------

    def _main(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            jobs = [] if first is None else [first]
            stopping = first is None
            with contextlib.suppress(queue.Empty):
                while True:
                    job = self._queue.get_nowait()
                    if job is None:
                        stopping = True
                    else:
                        jobs.append(job)
            if jobs:
                try:
                    self._run_batch(jobs)
                except Exception as exc:  # a bug here must not leave callers asleep forever
                    log.exception("Redis at %s: a batch failed", self.url)
                    for job in jobs:
                        job.result = outcome.Error(RedisCommandError(f"Redis at {self.url}: {exc}"))
                self._deliver(jobs)

    def _run_batch(self, jobs: list[_Job]) -> None:
        commands = [command for job in jobs for command in job.commands]
        try:
            replies = self._send(commands)
        except self._redis.RedisError as exc:
            reachable = not isinstance(exc, self._redis.ConnectionError | self._redis.TimeoutError)
            if not reachable and not self._down:
                log.error("Redis at %s is unreachable: %s", self.url, exc)
            self._down = self._down or not reachable
            for job in jobs:
                error = (RedisCommandError if reachable else RedisUnavailable)(
                    f"Redis at {self.url}: {exc}"
                )
                job.result = outcome.Error(error)
                if job.token is None and reachable:
                    log.error("Redis at %s: a posted write failed: %s", self.url, exc)
            return
        if self._down:
            log.warning("Redis at %s answers again", self.url)
            self._down = False
        at = 0
        for job in jobs:
            mine = replies[at : at + len(job.commands)]
            at += len(job.commands)
            failure = next((r for r in mine if isinstance(r, Exception)), None)
            if failure is None:
                job.result = outcome.Value(mine)
            else:
                job.result = outcome.Error(RedisCommandError(f"Redis at {self.url}: {failure}"))
                if job.token is None:
                    log.error("Redis at %s: a posted write failed: %s", self.url, failure)

    def _send(self, commands: list[Command]) -> list[Any]:
        """One pipeline; commands whose script Redis does not hold (NOSCRIPT: they did not
        run) are sent again once the scripts are loaded."""
        replies = self._pipeline(commands)
        missing = [
            i for i, r in enumerate(replies) if isinstance(r, self._redis.exceptions.NoScriptError)
        ]
        if missing:
            self._pipeline([("SCRIPT", "LOAD", s.source) for s in self._scripts.values()])
            for i, reply in zip(
                missing, self._pipeline([commands[i] for i in missing]), strict=True
            ):
                replies[i] = reply
        return replies

    def _pipeline(self, commands: list[Command]) -> list[Any]:
        """Send the commands in one write and read their replies, errors as values.

        Packed by hiredis (0.6 µs a command, where redis-py's pipeline packed in Python
        at 5.7 µs and looked up a callback per reply: a tenth of the process's time on
        the event chain). The connection is redis-py's, so AUTH, SELECT and TLS from
        the URL still apply; it drops the socket itself when a read or write fails."""
        if self._connection is None:
            self._connection = self._client.connection_pool.get_connection()
        connection = self._connection
        self.round_trips += 1
        replies: list[Any] = []
        try:
            packed = b"".join([self._pack(command) for command in commands])
            connection.send_packed_command([packed], check_health=False)
            for command in commands:
                try:
                    reply = connection.read_response()
                except self._redis.ResponseError as exc:  # the command's own error
                    replies.append(exc)
                    continue
                shape = self._shapes.get(command[0])
                replies.append(reply if shape is None else shape(reply))
        except BaseException:  # replies left unread would answer the next batch
            connection.disconnect()
            raise
        return replies

    def _deliver(self, jobs: list[_Job]) -> None:
        by_token: dict[trio.lowlevel.TrioToken, list[_Job]] = {}
        for job in jobs:
            if job.token is not None:
                by_token.setdefault(job.token, []).append(job)
        for token, waiting in by_token.items():
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(_wake, waiting)


def import_redis() -> Any:
    """redis-py, or a RedisUnavailable saying what to install (ARCHITECTURE convention 8)."""
    try:
        import redis
    except ImportError:
        raise RedisUnavailable(
            'backend = "redis" needs the Redis client: pip install "steppe[redis]"'
            " (redis-py with hiredis)"
        ) from None
    return redis


def import_hiredis_pack() -> Any:
    """hiredis's command packer, or a RedisUnavailable saying what to install."""
    try:
        from hiredis import pack_command
    except ImportError:
        raise RedisUnavailable(
            'backend = "redis" needs hiredis 2.1 or later: pip install "steppe[redis]"'
        ) from None
    return pack_command


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _wake(jobs: list[_Job]) -> None:
    """Runs on the trio thread: resume every caller still waiting."""
    for job in jobs:
        if not job.abandoned and job.task is not None and job.result is not None:
            trio.lowlevel.reschedule(job.task, job.result)


@asynccontextmanager
async def open_redis_worker(url: str, prefix: str) -> AsyncIterator[RedisWorker]:
    """An open RedisWorker, closed on exit once what was queued has been sent."""
    worker = RedisWorker(url, prefix)
    await worker.open()
    try:
        yield worker
    finally:
        await worker.aclose()

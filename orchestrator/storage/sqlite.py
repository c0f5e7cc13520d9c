"""One SQLite connection on one thread, fed by a queue, awaited from trio.

Every service that keeps data on disk (state, the durable event queue, streams)
sends its work here as jobs: plain functions that take the connection. A single
thread owns the connection, so nothing needs a lock and the trio loop never
waits on the disk. The thread takes every job queued so far, runs them in one
transaction and commits once: a commit costs far more than a small write, so
concurrent writers share it, and the busier the orchestrator the bigger the
batches.

Durability: WAL with synchronous=NORMAL survives a crash of any process (what
SPEC §6 asks for); a power cut may lose the last commits, which is the usual
trade for not syncing the disk on every commit.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

import outcome
import trio

from orchestrator.errors import SteppeError

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

StrPath = str | os.PathLike[str]

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds to wait for another process's lock (a CLI reading the file) before failing."""


class StorageError(SteppeError):
    """Raised when the embedded database cannot be opened, or a caller's work was not committed."""


class StorageClosed(StorageError):
    """Raised when a call reaches a SqliteWorker that is not open (not yet, or no longer)."""


@dataclass(eq=False, slots=True)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    token: trio.lowlevel.TrioToken
    task: trio.lowlevel.Task
    result: outcome.Outcome[Any] | None = None
    # Written and read only on the trio thread (the abort hook and the wake-up both run
    # there), so it needs no lock.
    abandoned: bool = False


class SqliteWorker:
    """A thread that owns one sqlite3 connection and runs jobs for trio tasks.

    `await worker.run(fn, *args)` runs `fn(connection, *args)` on the thread and
    returns its result, or raises what it raised. Jobs must not begin, commit or
    roll back transactions themselves (nor use `executescript`, which commits):
    the worker wraps each batch in one transaction and each job in a savepoint,
    so a job that raises undoes only its own writes. A caller gets its result
    only after its work is committed; if the commit fails, every job of the batch
    raises StorageError.

    Use it from one trio run (the one that opened it); `open_sqlite_worker` is the
    usual way to get one.
    """

    def __init__(self, path: StrPath, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.commits = 0
        """Transactions committed so far (batches, not jobs); written by the worker thread."""
        self.journal_mode: str | None = None
        """The journal mode SQLite granted: 'wal' for a file, 'memory' for ':memory:'."""
        # None asks the thread to stop once everything queued before it has run.
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._main, name=f"steppe-sqlite:{self.path.name}", daemon=True
        )
        self._opened = False
        self._accepting = False
        self._open_error: Exception | None = None

    @property
    def closed(self) -> bool:
        """True before `open` and after `aclose`: `run` raises StorageClosed."""
        return not self._accepting

    async def open(self) -> None:
        """Start the thread and open the connection (creating the file's folder);
        raises StorageError when the file cannot be opened."""
        if self._opened:
            raise StorageError(f"{self.path}: the worker was already opened")
        self._opened = True
        self._accepting = True
        self._thread.start()
        try:
            # A first job tells us the connection is usable, and surfaces the reason if not.
            await self.run(_ready)
        except BaseException:
            await self.aclose()
            raise

    async def run(self, fn: Callable[[sqlite3.Connection, *Ts], T], *args: *Ts) -> T:
        """Run `fn(connection, *args)` on the worker thread; its result once committed.

        If the caller is cancelled while waiting, the job still runs and commits;
        only the waiting stops.
        """
        # A caller cancelled before it asks should not leave work behind.
        await trio.lowlevel.checkpoint_if_cancelled()
        if not self._accepting:
            state = "closed" if self._opened else "not open"
            raise StorageClosed(f"{self.path}: the database is {state}")
        job = _Job(fn, args, trio.lowlevel.current_trio_token(), trio.lowlevel.current_task())
        self._queue.put(job)

        def abort(_: Any) -> trio.lowlevel.Abort:
            job.abandoned = True
            return trio.lowlevel.Abort.SUCCEEDED

        result: T = await trio.lowlevel.wait_task_rescheduled(abort)
        return result

    async def aclose(self) -> None:
        """Stop taking jobs, let the queued ones finish and commit, then close the connection.

        Waits for the thread even when cancelled: returning earlier would leave the
        connection open under a caller who believes the file is released.
        """
        if self._accepting:
            self._accepting = False
            self._queue.put(None)
        if self._thread.is_alive():
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(self._thread.join)

    # The rest runs on the worker thread.

    def _main(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            connection = self._connect()
        except Exception as exc:
            # Keep serving the queue so that every caller hears why, instead of hanging.
            self._open_error = exc
        try:
            stop = False
            while not stop:
                jobs, stop = self._take_batch()
                if not jobs:
                    continue
                if connection is None:
                    self._fail(jobs, f"cannot open the database: {self._open_error}")
                else:
                    self._run_batch(connection, jobs)
                self._deliver(jobs)
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the module must not open transactions behind our back,
        # since _run_batch draws the transaction boundaries. timeout= is busy_timeout.
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            # WAL lets readers in other processes (the CLI, the workbench) work while we write.
            self.journal_mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            connection.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            connection.close()
            raise
        return connection

    def _take_batch(self) -> tuple[list[_Job], bool]:
        """Block for one job, then take every job queued so far; True when told to stop."""
        jobs: list[_Job] = []
        stop = False
        item = self._queue.get()
        while True:
            if item is None:
                stop = True
            else:
                jobs.append(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return jobs, stop

    def _run_batch(self, connection: sqlite3.Connection, jobs: list[_Job]) -> None:
        try:
            # IMMEDIATE takes the write lock now (waiting up to busy_timeout): a deferred
            # transaction that reads first could fail to upgrade when another process wrote.
            connection.execute("BEGIN IMMEDIATE")
            for job in jobs:
                connection.execute("SAVEPOINT job")
                try:
                    job.result = outcome.Value(job.fn(connection, *job.args))
                except BaseException as exc:
                    job.result = outcome.Error(exc)
                    connection.execute("ROLLBACK TO job")
                connection.execute("RELEASE job")
            connection.execute("COMMIT")
        except Exception as exc:
            # The transaction is lost (a failed commit, a full disk, a job that ended it):
            # nobody may be told their work is saved. Jobs that raised keep their own error.
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            self._fail(
                [j for j in jobs if j.result is None or isinstance(j.result, outcome.Value)],
                f"the transaction was not committed: {exc}",
                exc,
            )
        else:
            self.commits += 1

    def _fail(self, jobs: list[_Job], message: str, cause: BaseException | None = None) -> None:
        for job in jobs:
            # One exception per caller: a shared instance would gather every caller's traceback.
            error = StorageError(f"{self.path}: {message}")
            error.__cause__ = cause if cause is not None else self._open_error
            job.result = outcome.Error(error)

    def _deliver(self, jobs: list[_Job]) -> None:
        # One wake-up call per trio run per batch, rather than one per job.
        by_token: dict[trio.lowlevel.TrioToken, list[_Job]] = {}
        for job in jobs:
            by_token.setdefault(job.token, []).append(job)
        for token, waiting in by_token.items():
            # The run that asked has ended: nobody is left to tell.
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(_wake, waiting)


def _wake(jobs: list[_Job]) -> None:
    """Runs on the trio thread: resume every caller still waiting."""
    for job in jobs:
        assert job.result is not None, "a job is delivered only once it has an outcome"
        if not job.abandoned:
            trio.lowlevel.reschedule(job.task, job.result)


def _ready(connection: sqlite3.Connection) -> None:
    """The first job: succeeding proves the connection is open."""


@asynccontextmanager
async def open_sqlite_worker(
    path: StrPath, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
) -> AsyncIterator[SqliteWorker]:
    """A started SqliteWorker on `path` (folders created), closed on exit after queued jobs."""
    worker = SqliteWorker(path, busy_timeout=busy_timeout)
    await worker.open()
    try:
        yield worker
    finally:
        await worker.aclose()

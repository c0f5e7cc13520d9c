"""One SQLite connection on one thread, fed by a queue, awaited from trio.

Every service that keeps data on disk (state, the durable event queue, streams)
sends its work here as jobs: plain functions that take the connection. A thread
runs the jobs, so the trio loop never waits on the disk for them. The thread takes
every job queued so far, runs them in one transaction and commits once: a commit
costs far more than a small write, so concurrent writers share it, and the busier
the orchestrator the bigger the batches.

Merged writes that a caller awaits (accepts, state sets: `run_merged`) are the
exception, and the hot path: each is committed on the trio thread itself when the
connection is free or freed within LOCK_WAIT, since handing it to the thread and
back cost most of its latency under load (the thread waits for the GIL after every
SQLite call). Such a commit first writes what waits for the thread (done marks
posted, writes whose callers found the connection held), so that the thread seldom
holds the connection and nothing queues behind it; it hands its pages to the OS
(`write`, no sync), and never waits for another process's lock: then the thread
takes it.

Durability: WAL with synchronous=NORMAL survives a crash of any process (what
docs/reference.md §6 asks for); a power cut may lose the last commits, which is the usual
trade for not syncing the disk on every commit. Commits do not checkpoint the WAL
(that syncs the disk); the thread does, every CHECKPOINT_EVERY commits, on
connections of its own (`sqlite_checkpoint.py`).
"""

from __future__ import annotations

import collections
import contextlib
import errno
import logging
import os
import queue
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

import outcome
import trio

from orchestrator.core.errors import SteppeError
from orchestrator.stores.sqlite_checkpoint import Checkpointer

log = logging.getLogger("steppe.storage")

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

StrPath = str | os.PathLike[str]

DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds to wait for another process's lock (a CLI reading the file) before failing."""

LOCK_WAIT = 0.001
"""Seconds the loop may wait for the thread to finish with the connection before a
merged write goes to the thread instead (see `SqliteWorker._commit_inline`)."""

CHECKPOINT_EVERY = 500
"""Commits between two WAL checkpoints, which the thread runs on connections of its
own (`sqlite_checkpoint.py`). A commit of an accept writes two or three pages, so
that is about SQLite's own default of 1,000 pages."""


class StorageError(SteppeError):
    """Raised when the embedded database cannot be opened, or a caller's work was not committed."""


class StorageClosed(StorageError):
    """Raised when a call reaches a SqliteWorker that is not open (not yet, or no longer)."""


class StorageFull(StorageError):
    """Raised when the disk is full: the caller's work was not saved, and can be once
    there is space again."""


@dataclass(eq=False, slots=True)
class _Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    # The trio task waiting for the result; None when nobody waits (see `post`).
    token: trio.lowlevel.TrioToken | None
    task: trio.lowlevel.Task | None
    result: outcome.Outcome[Any] | None = None
    # Written and read only on the trio thread (the abort hook and the wake-up both run
    # there), so it needs no lock.
    abandoned: bool = False
    # For a merged job (see `run_merged`): one entry per item, each with its own caller.
    members: list[_Job] | None = None


class _Merge:
    """Items given for one function and not yet taken by the worker thread, each as a
    member job (its item in `args`, its caller in `token`/`task`).

    The trio thread appends and then checks `queued`; the worker clears `queued` and
    then drains. In that order no item is left behind: an item appended after the
    drain finds `queued` cleared and queues the function again. (deque appends and
    pops are thread-safe.)"""

    __slots__ = ("fn", "members", "queued")

    def __init__(self, fn: Callable[[sqlite3.Connection, list[Any]], None]) -> None:
        self.fn = fn
        self.members: collections.deque[_Job] = collections.deque()
        self.queued = False

    def take(self) -> _Job:
        self.queued = False
        members = []
        with contextlib.suppress(IndexError):
            while True:
                members.append(self.members.popleft())
        return _Job(self.fn, ([m.args[0] for m in members],), None, None, members=members)


class SqliteWorker:
    """A thread that owns one sqlite3 connection and runs jobs for trio tasks.

    `await worker.run(fn, *args)` runs `fn(connection, *args)` on the thread and
    returns its result, or raises what it raised. Jobs must not begin, commit or
    roll back transactions themselves (nor use `executescript`, which commits),
    and must depend on nothing but the connection and their arguments: the worker
    wraps each batch in one transaction, and when a job raises it runs the batch
    again with each job in a savepoint, so a job that raises undoes only its own
    writes. A caller gets its result
    only after its work is committed; if the commit fails, every job of the batch
    raises StorageError.

    Files in `attached` are attached to the connection under their schema names, so
    that stores in several files share the thread and its transactions: two writer
    threads take the GIL from each other and from the trio thread, and under load
    that costs more than the writes. Each store names its schema in what it creates
    (`CREATE TABLE schema.name`), and its tables' names are its own, so that its other
    statements can leave the schema out.

    Use it from one trio run (the one that opened it); `open_sqlite_worker` is the
    usual way to get one.
    """

    def __init__(
        self,
        path: StrPath,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        attached: Mapping[str, StrPath] | None = None,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.attached = {schema: Path(file) for schema, file in (attached or {}).items()}
        for schema in self.attached:
            if not _SCHEMA_NAME.fullmatch(schema) or schema.lower() in ("main", "temp"):
                raise StorageError(f"{schema!r} cannot name an attached database")
        # What errors and the thread's name call it: its files (an in-memory main
        # database holding nothing is not worth naming).
        files = [f for f in (self.path, *self.attached.values()) if str(f) != ":memory:"]
        self.label = " + ".join(map(str, files)) or ":memory:"
        self.commits = 0
        """Transactions committed so far (batches, not jobs); written by the worker thread."""
        self.journal_modes: dict[str, str] = {}
        """The journal mode SQLite granted per schema ('main' and the attached ones):
        'wal' for a file, 'memory' for ':memory:'."""
        # None asks the thread to stop once everything queued before it has run;
        # _CHECKPOINT only wakes it to checkpoint.
        self._queue: queue.SimpleQueue[_Job | _Merge | object | None] = queue.SimpleQueue()
        self._merges: dict[Callable[..., Any], _Merge] = {}
        # Whoever runs SQL on the connection holds this: the thread, or the trio thread
        # for a merged write (which never waits for it: see `_commit_inline`).
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        # Jobs (`run`) handed to the thread (counted on the trio thread) and run by it
        # (counted on the thread): while they differ, a merged write goes to the thread
        # too, after them, so that writes keep their order. Merged items waiting for
        # the thread need no such count: a commit on the loop takes them first.
        self._runs_sent = 0
        self._runs_finished = 0
        self._checkpointed_at = 0
        self.checkpointer = Checkpointer({})
        """Checkpoints the WAL files, on the thread (see `sqlite_checkpoint.py`)."""
        self._thread = threading.Thread(
            target=self._main,
            name=f"steppe-sqlite:{'+'.join(f.name for f in files) or ':memory:'}",
            daemon=True,
        )
        self._opened = False
        self._accepting = False
        self._open_error: Exception | None = None

    @property
    def journal_mode(self) -> str | None:
        """The main database's journal mode (see `journal_modes`); None before `open`."""
        return self.journal_modes.get("main")

    def file(self, schema: str) -> Path:
        """The file of a schema: `path` for 'main', else an attached one's."""
        return self.path if schema == "main" else self.attached[schema]

    @property
    def closed(self) -> bool:
        """True before `open` and after `aclose`: `run` raises StorageClosed."""
        return not self._accepting

    async def open(self) -> None:
        """Start the thread and open the connection (creating the file's folder);
        raises StorageError when the file cannot be opened."""
        if self._opened:
            raise StorageError(f"{self.label}: the worker was already opened")
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
        self._check_accepting()
        job = _Job(fn, args, trio.lowlevel.current_trio_token(), trio.lowlevel.current_task())
        self._runs_sent += 1
        self._queue.put(job)
        result: T = await _wait_for(job)
        return result

    async def run_at_once(self, fn: Callable[[sqlite3.Connection, *Ts], T], *args: *Ts) -> T:
        """Like `run`, but committed on the trio thread, in a transaction of its own,
        when the connection is free, as `run_merged` is (not merged with other calls:
        for a quick write whose caller needs its result, such as a stream item's `set`,
        which the hop to the thread and back made several times slower)."""
        await trio.lowlevel.checkpoint_if_cancelled()
        self._check_accepting()
        job = _Job(fn, args, None, None)
        if not self._commit_inline(job):
            return await self.run(fn, *args)
        [told] = self._callers(job)
        assert told.result is not None
        result: T = told.result.unwrap()
        return result

    async def run_merged(self, fn: Callable[[sqlite3.Connection, list[T]], None], item: T) -> None:
        """Have `fn(connection, items)` write `item`, and return once it is committed.

        Written at once on the trio thread, in a transaction of its own, when the
        connection is free or freed within LOCK_WAIT (see `_commit_inline`): no hop
        to the thread and back,
        which under load were most of an accept's latency (the thread waits for the
        GIL after every SQLite call, the woken caller for the loop). `fn` must be a
        quick write: it may run on the loop. Written at once, the call returns without
        letting other tasks run (it is a cancellation point, not a schedule point: a
        task that writes in a loop with nothing else to wait on should yield itself).
        Otherwise the thread takes it: items given
        for the same `fn` before the thread gets to them go in one call, in the order
        given, in its batch's one transaction (group commit). If `fn` raises, every
        caller of that call gets a StorageError caused by it; callers of other
        functions in the batch are not affected.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        self._check_accepting()
        member = _Job(fn, (item,), trio.lowlevel.current_trio_token(), trio.lowlevel.current_task())
        if self._write_inline(member):
            assert member.result is not None
            member.result.unwrap()
        else:
            self._merge(member)
            await _wait_for(member)

    def post(self, fn: Callable[[sqlite3.Connection, list[T]], None], item: T) -> None:
        """Like `run_merged`, without waiting: by the thread (many posts in one call,
        beside the loop, where committing each on the loop measured 40% fewer events/s
        in the chain), or in the transaction of the next write committed on the loop,
        which takes what was posted first (`_take_merged`). Nobody hears of a failure
        but the log, so post only what may be lost in a crash anyway (and is made good
        then). A job run later sees every item posted before it; a write committed on
        the loop may come first, so post nothing such a write depends on."""
        self._check_accepting()
        self._merge(_Job(fn, (item,), None, None))

    def _check_accepting(self) -> None:
        if not self._accepting:
            state = "closed" if self._opened else "not open"
            raise StorageClosed(f"{self.label}: the database is {state}")

    def _write_inline(self, member: _Job) -> bool:
        """Commit a merged item on the trio thread if that needs no long wait (its
        outcome then set); False if the thread must take it."""
        job = _Job(member.fn, ([member.args[0]],), None, None, members=[member])
        if not self._commit_inline(job):
            return False
        self._callers(job)
        return True

    def _commit_inline(self, job: _Job) -> bool:
        """Run `job` on the trio thread, in a transaction of its own with the merged
        items the thread has not taken (`_take_merged`), if that needs no long wait;
        False (nothing run) when the thread has jobs still to run (which must come
        first: writes keep their order) or holds the connection for longer than
        LOCK_WAIT, or another process holds the file's write lock."""
        # Waiting for the lock lets go of the GIL: the thread, which needs it after
        # every SQLite call, then finishes its batch at full speed.
        if self._runs_sent != self._runs_finished or not self._lock.acquire(timeout=LOCK_WAIT):
            return False
        taken: list[_Job] = []
        try:
            connection = self._connection
            if connection is None or not self._begin_at_once(connection):
                return False
            taken = self._take_merged()
            self._finish_batch(connection, [*taken, job])
        finally:
            self._lock.release()
        # Their callers wait on this thread: woken here (a failure nobody waits for is
        # logged by `_callers`).
        _wake([m for t in taken for m in self._callers(t) if m.token is not None])
        if self.commits - self._checkpointed_at == CHECKPOINT_EVERY:
            self._queue.put(_CHECKPOINT)
        return True

    def _take_merged(self) -> list[_Job]:
        """The merged items the thread has not taken (done marks posted, and writes
        whose callers found the connection held), to commit first in the loop's
        transaction: they were given first. Taken with the connection's lock held, as
        the thread takes its batches, so whoever takes an item commits it before the
        other can write anything after it.

        Before, the thread wrote what was posted, holding the connection for its
        batches (it waits for the GIL after each SQLite call) while accepts waited:
        past LOCK_WAIT they went to the thread too, and so did every accept after them
        until it caught up, which under load it seldom did: the accepts' p99 was
        10 to 250 ms (BENCHMARKS.md "Durable accepts under load")."""
        return [merge.take() for merge in self._merges.values() if merge.members]

    def _begin_at_once(self, connection: sqlite3.Connection) -> bool:
        """BEGIN IMMEDIATE without waiting for another process's write lock; False
        (no transaction) when it is taken, or BEGIN fails (the thread will say why)."""
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return False
        finally:
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return True

    def _merge(self, member: _Job) -> None:
        merge = self._merges.get(member.fn)
        if merge is None:
            merge = self._merges[member.fn] = _Merge(member.fn)
        merge.members.append(member)
        if not merge.queued:
            merge.queued = True
            self._queue.put(merge)

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
            connection = self._connection = self._connect()
        except Exception as exc:
            # Keep serving the queue so that every caller hears why, instead of hanging.
            self._open_error = exc
        try:
            stop = False
            while not stop:
                first = self._queue.get()
                with self._lock:  # taken and run under the lock (see `_take_merged`)
                    jobs, stop = self._take_batch(first)
                    if connection is None:
                        self._fail(
                            jobs,
                            f"cannot open the database ({self._open_error}); if the file is "
                            "damaged, move it aside (Steppe starts with an empty one) or "
                            "restore it from a backup",
                        )
                    elif jobs:
                        self._run_batch(connection, jobs)
                    self._runs_finished += sum(job.members is None for job in jobs)
                self._deliver(jobs)
                if connection is not None and self.commits - self._checkpointed_at >= (
                    CHECKPOINT_EVERY
                ):
                    self._checkpointed_at = self.commits
                    self.checkpointer.run(self._lock)
        finally:
            self.checkpointer.close()
            if connection is not None:
                with self._lock:
                    self._connection = None
                    connection.close()

    def _connect(self) -> sqlite3.Connection:
        for file in (self.path, *self.attached.values()):
            if str(file) != ":memory:":
                file.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the module must not open transactions behind our back,
        # since _run_batch draws the transaction boundaries. timeout= is busy_timeout.
        # check_same_thread=False: merged writes run on the trio thread (under _lock).
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            for schema, file in {"main": self.path, **self.attached}.items():
                # A damaged file fails at its ATTACH or its first statement: say which.
                try:
                    if schema != "main":
                        connection.execute(f'ATTACH DATABASE ? AS "{schema}"', (str(file),))
                    # WAL lets readers in other processes (the CLI, tests) work while we
                    # write.
                    mode = connection.execute(f'PRAGMA "{schema}".journal_mode = WAL')
                    self.journal_modes[schema] = mode.fetchone()[0]
                    connection.execute(f'PRAGMA "{schema}".synchronous = NORMAL')
                except sqlite3.DatabaseError as exc:
                    raise sqlite3.DatabaseError(f"{file}: {exc}") from exc
            # The thread checkpoints (see `sqlite_checkpoint.py`), never a commit.
            connection.execute("PRAGMA wal_autocheckpoint = 0")
            self.checkpointer.files = {
                schema: self.file(schema)
                for schema, mode in self.journal_modes.items()
                if mode == "wal"
            }
        except BaseException:
            connection.close()
            raise
        return connection

    def _take_batch(self, item: _Job | _Merge | object | None) -> tuple[list[_Job], bool]:
        """`item`, then every job queued so far; True when told to stop."""
        jobs: list[_Job] = []
        stop = False
        while True:
            if item is None:
                stop = True
            elif isinstance(item, _Merge):
                job = item.take()
                if job.members:  # none when a commit on the loop took them first
                    jobs.append(job)
            elif isinstance(item, _Job):
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
        except Exception as exc:
            self._lost(connection, jobs, exc)
        else:
            self._finish_batch(connection, jobs)

    def _finish_batch(self, connection: sqlite3.Connection, jobs: list[_Job]) -> None:
        """Run `jobs` in the transaction just begun, and commit it."""
        try:
            if not _run_together(connection, jobs):
                connection.execute("ROLLBACK")
                if len(jobs) == 1:
                    return  # its error is its outcome, and nothing else was written
                # A job raised. Start again with each job in a savepoint, so that the one
                # that raises loses only its own writes. (Jobs are functions of the
                # connection alone, so running them again gives the same writes.) Not
                # done first every time: two statements per job cost more than the jobs.
                connection.execute("BEGIN IMMEDIATE")
                _run_apart(connection, jobs)
            connection.execute("COMMIT")
        except Exception as exc:
            self._lost(connection, jobs, exc)
        else:
            self.commits += 1

    def _lost(self, connection: sqlite3.Connection, jobs: list[_Job], exc: Exception) -> None:
        """The transaction is lost (a failed commit, a full disk, a job that ended it):
        nobody may be told their work is saved. Jobs that raised keep their own error."""
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        self._fail(
            [j for j in jobs if j.result is None or isinstance(j.result, outcome.Value)],
            f"the transaction was not committed: {_why(exc)}",
            exc,
        )

    def _fail(self, jobs: list[_Job], message: str, cause: BaseException | None = None) -> None:
        kind = StorageFull if _disk_full(cause) else StorageError
        for job in jobs:
            # One exception per caller: a shared instance would gather every caller's traceback.
            error = kind(f"{self.label}: {message}")
            error.__cause__ = cause if cause is not None else self._open_error
            job.result = outcome.Error(error)

    def _deliver(self, jobs: list[_Job]) -> None:
        # One wake-up call per trio run per batch, rather than one per job.
        by_token: dict[trio.lowlevel.TrioToken, list[_Job]] = {}
        for job in jobs:
            for caller in self._callers(job):
                if caller.token is not None:
                    by_token.setdefault(caller.token, []).append(caller)
        for token, waiting in by_token.items():
            # The run that asked has ended: nobody is left to tell.
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(_wake, waiting)

    def _callers(self, job: _Job) -> list[_Job]:
        """The jobs to tell of `job`'s outcome: itself, or the members of a merged job,
        each with an outcome of its own. A failure nobody waits for is logged."""
        error = job.result.error if isinstance(job.result, outcome.Error) else None
        if job.members is None:
            if error is not None and _disk_full(error) and not isinstance(error, StorageError):
                # A statement of the job met the full disk.
                job.result = outcome.Error(_storage_error(self.label, job.fn, error))
            return [job]
        if error is not None and any(m.token is None for m in job.members):
            log.error("%s: %s failed: %s", self.label, _name(job.fn), error, exc_info=error)
        for member in job.members:
            if error is None:
                member.result = outcome.Value(None)
            else:
                # One exception per caller: a shared instance would gather every traceback.
                member.result = outcome.Error(_storage_error(self.label, job.fn, error))
        return job.members


_CHECKPOINT = object()
"""Put on the queue to wake the thread for a checkpoint after merged writes (which
the thread does not see)."""


def _run_together(connection: sqlite3.Connection, jobs: list[_Job]) -> bool:
    """Run every job in the open transaction; False as soon as one raises."""
    for job in jobs:
        try:
            job.result = outcome.Value(job.fn(connection, *job.args))
        except BaseException as exc:
            job.result = outcome.Error(exc)
            return False
    return True


def _run_apart(connection: sqlite3.Connection, jobs: list[_Job]) -> None:
    """Run every job in its own savepoint: one that raises undoes only its own writes."""
    for job in jobs:
        connection.execute("SAVEPOINT job")
        try:
            job.result = outcome.Value(job.fn(connection, *job.args))
        except BaseException as exc:
            job.result = outcome.Error(exc)
            connection.execute("ROLLBACK TO job")
        connection.execute("RELEASE job")


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _disk_full(error: BaseException | None) -> bool:
    """True for SQLite's SQLITE_FULL or the system's ENOSPC, or a StorageFull."""
    return isinstance(error, StorageFull) or (
        getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        or (isinstance(error, OSError) and error.errno == errno.ENOSPC)
    )


def _why(error: BaseException) -> str:
    """What went wrong, in words: a full disk is said plainly."""
    return f"the disk is full ({error})" if _disk_full(error) else str(error)


def _storage_error(label: str, fn: Callable[..., Any], error: BaseException) -> StorageError:
    """A caller's own StorageError for the failure of `fn`: a StorageError from the
    worker already names the files and why; anything else is named with `fn`."""
    kind = StorageFull if _disk_full(error) else StorageError
    if isinstance(error, StorageError):
        failure = kind(str(error))
    else:
        failure = kind(f"{label}: {_name(fn)} failed: {_why(error)}")
    failure.__cause__ = error
    return failure


async def _wait_for(job: _Job) -> Any:
    """Sleep until the worker thread wakes `job`'s task with its outcome."""

    def abort(_: Any) -> trio.lowlevel.Abort:
        job.abandoned = True
        return trio.lowlevel.Abort.SUCCEEDED

    return await trio.lowlevel.wait_task_rescheduled(abort)


def _wake(jobs: list[_Job]) -> None:
    """Runs on the trio thread: resume every caller still waiting."""
    for job in jobs:
        assert job.result is not None, "a job is delivered only once it has an outcome"
        assert job.task is not None, "only a job with a waiting task is woken"
        if not job.abandoned:
            trio.lowlevel.reschedule(job.task, job.result)


_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Rows per multi-row INSERT or ids per IN (…): far below SQLite's limit on parameters
# (32,766), and big enough that a merged job (see `run_merged`) is a statement or two.
ROWS_PER_STATEMENT = 500


def chunked(items: list[T]) -> Iterator[list[T]]:
    """`items` in slices of at most ROWS_PER_STATEMENT, for one statement each."""
    for start in range(0, len(items), ROWS_PER_STATEMENT):
        yield items[start : start + ROWS_PER_STATEMENT]


def repeated(placeholders: str, count: int) -> str:
    """`count` copies of `placeholders`, comma-separated: the VALUES of a multi-row
    INSERT (`"(?, ?)"`), or the list of an IN (`"?"`)."""
    return ", ".join([placeholders] * count)


def _ready(connection: sqlite3.Connection) -> None:
    """The first job: succeeding proves the connection is open."""


@asynccontextmanager
async def open_sqlite_worker(
    path: StrPath,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    attached: Mapping[str, StrPath] | None = None,
) -> AsyncIterator[SqliteWorker]:
    """A started SqliteWorker on `path` and the `attached` files (folders created),
    closed on exit after queued jobs."""
    worker = SqliteWorker(path, busy_timeout=busy_timeout, attached=attached)
    await worker.open()
    try:
        yield worker
    finally:
        await worker.aclose()

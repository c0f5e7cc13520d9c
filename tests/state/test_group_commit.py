"""Merged writes (`SqliteWorker.run_merged`: accepts, state sets) are committed on the
trio thread when the connection is free, each caller returning only once its own write
is committed, with the done marks posted meanwhile; when the thread holds the
connection they are group-committed by whoever gets to them first (the thread's next
batch, or the loop's next write), a failing write failing only its own callers; the
loop never waits long for the connection, nor for another process's lock or a
checkpoint."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import trio
import trio.testing

from orchestrator.stores.sqlite_worker import CHECKPOINT_EVERY, StorageError, open_sqlite_worker
from tests.state.test_sqlite import Gate


def _make_table(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)")


class Insert:
    """A merged write that records the thread it ran on; fails when told to."""

    def __init__(self, fail: bool = False) -> None:
        self.threads: set[int] = set()
        self.fail = fail
        self.calls = 0

    def __call__(self, connection: sqlite3.Connection, items: list[tuple[str, bytes]]) -> None:
        self.threads.add(threading.get_ident())
        self.calls += 1
        connection.executemany("INSERT INTO t VALUES (?, ?)", items)
        if self.fail:
            raise ValueError("this write fails")


def _count(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM t").fetchone()[0])


def _committed(path: Path, key: str) -> bool:
    """Whether another connection (another process would see the same) finds `key`."""
    with sqlite3.connect(path) as reader:
        found = reader.execute("SELECT 1 FROM t WHERE k = ?", (key,)).fetchone() is not None
    reader.close()
    return found


async def test_concurrent_callers_commit_on_the_trio_thread_each_before_it_returns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    async with open_sqlite_worker(path) as worker:
        await worker.run(_make_table)
        insert = Insert()
        seen_committed: dict[str, bool] = {}

        async def write(n: int) -> None:
            key = f"{n:03}"
            await worker.run_merged(insert, (key, b"x"))
            seen_committed[key] = _committed(path, key)

        async with trio.open_nursery() as nursery:
            for n in range(100):
                nursery.start_soon(write, n)
        assert insert.threads == {threading.get_ident()}
        assert len(seen_committed) == 100 and all(seen_committed.values())


async def test_writes_queued_while_the_thread_is_busy_share_its_next_commit(
    tmp_path: Path,
) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        insert, gate = Insert(), Gate()
        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)  # the thread holds the connection
            before = worker.commits
            for n in range(20):
                nursery.start_soon(worker.run_merged, insert, (str(n), b"x"))
            worker.post(insert, ("posted", b"x"))
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        # The gate's own batch, then one for all the writes.
        assert worker.commits - before == 2
        assert insert.threads != {threading.get_ident()}
        assert await worker.run(_count) == 21


async def test_a_failing_write_in_a_batch_fails_only_its_own_callers(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        good, bad, gate = Insert(), Insert(fail=True), Gate()
        outcomes: dict[str, str] = {}

        async def write(fn: Insert, key: str) -> None:
            try:
                await worker.run_merged(fn, (key, b"x"))
                outcomes[key] = "ok"
            except StorageError as exc:
                assert isinstance(exc.__cause__, ValueError)
                outcomes[key] = str(exc)

        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            before = worker.commits
            for n in range(3):
                nursery.start_soon(write, good, f"good{n}")
                nursery.start_soon(write, bad, f"bad{n}")
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        assert worker.commits - before == 2  # the gate's, then one for both writes
        assert [outcomes[f"good{n}"] for n in range(3)] == ["ok"] * 3
        for n in range(3):
            assert outcomes[f"bad{n}"] == f"{tmp_path / 'w.db'}: Insert failed: this write fails"
        rows = await worker.run(lambda c: [k for (k,) in c.execute("SELECT k FROM t ORDER BY k")])
        assert rows == ["good0", "good1", "good2"]
        assert bad.threads != {threading.get_ident()}  # the thread's batch, not the loop's


async def test_another_process_holding_the_write_lock_does_not_block_the_loop(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.db"
    async with open_sqlite_worker(path, busy_timeout=5) as worker:
        await worker.run(_make_table)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        ticks = 0
        written = trio.Event()

        async def write() -> None:
            await worker.run_merged(Insert(), ("k", b"x"))
            written.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(write)
            # The write waits for the lock (on the thread, up to busy_timeout); the
            # loop goes on meanwhile.
            with trio.move_on_after(0.3):
                while True:
                    await trio.sleep(0.01)
                    ticks += 1
            assert not written.is_set()
            holder.execute("COMMIT")
        holder.close()
        assert ticks >= 10
        assert _committed(path, "k")


async def test_the_wal_is_checkpointed_by_the_thread(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    wal = tmp_path / "w.db-wal"
    value = b"v" * 16_000  # four pages and more per commit
    async with open_sqlite_worker(path) as worker:
        await worker.run(_make_table)
        for n in range(4 * CHECKPOINT_EVERY):
            await worker.run_merged(Insert(), (f"{n:05}", value))
            if n % 50 == 0:
                await trio.sleep(0.001)  # let the thread checkpoint
        # Without checkpoints the WAL would hold every commit (~29 kB each here).
        assert wal.stat().st_size < 2 * CHECKPOINT_EVERY * 30_000
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT COUNT(*) FROM t").fetchone() == (4 * CHECKPOINT_EVERY,)
    reader.close()


async def test_a_failing_write_alone_fails_its_caller_and_runs_once(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    async with open_sqlite_worker(path) as worker:
        await worker.run(_make_table)
        failing = Insert(fail=True)
        with pytest.raises(StorageError, match="Insert failed: this write fails"):
            await worker.run_merged(failing, ("failed", b"x"))
        assert failing.calls == 1  # alone in its transaction: not run again in a savepoint
        assert failing.threads == {threading.get_ident()}
        assert not _committed(path, "failed")
        await worker.run_merged(Insert(), ("next", b"x"))  # the connection is usable
        assert _committed(path, "next")


@pytest.mark.parametrize("count", [1, 7])
async def test_callers_of_one_tick_are_woken_with_their_results(tmp_path: Path, count: int) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        done: list[int] = []

        async def write(n: int) -> None:
            await worker.run_merged(Insert(), (str(n), b"x"))
            done.append(n)

        async with trio.open_nursery() as nursery:
            for n in range(count):
                nursery.start_soon(write, n)
        assert sorted(done) == list(range(count))


class BusyCheckpointer(Gate):
    """Stands in for the thread's checkpointer: holds the thread outside the connection's
    lock until released, so that what is queued meanwhile is known not to be taken."""

    def run(self, writer: threading.Lock) -> None:
        self.keep_thread()

    def close(self) -> None:
        pass


async def test_a_commit_on_the_loop_first_takes_what_waits_for_the_thread(tmp_path: Path) -> None:
    """Done marks posted, and writes whose caller found the connection held, are
    committed by the next write made on the loop, before it (they were given first), in
    its one transaction, and their callers woken: they do not wait for the thread, which
    under load is slow to get to them (it waits for the GIL after each SQLite call), and
    later writes do not queue behind them (BENCHMARKS.md "Durable accepts under load")."""
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        insert, busy = Insert(), BusyCheckpointer()
        worker.checkpointer = busy  # type: ignore[assignment]
        worker._checkpointed_at = worker.commits - CHECKPOINT_EVERY  # due after its next batch
        await worker.run(_count)
        await trio.to_thread.run_sync(busy.entered.wait)  # the thread is busy elsewhere
        try:
            with trio.fail_after(5):  # before: the last write waited for the thread
                async with trio.open_nursery() as nursery:
                    worker.post(insert, ("posted", b"x"))
                    worker._lock.acquire()  # the connection is held: left for the thread
                    nursery.start_soon(worker.run_merged, insert, ("waited", b"x"))
                    await trio.testing.wait_all_tasks_blocked()
                    worker._lock.release()
                    before = worker.commits
                    await worker.run_merged(insert, ("then", b"x"))
                    assert worker.commits == before + 1
        finally:
            busy.release.set()
        keys = await worker.run(
            lambda c: [k for (k,) in c.execute("SELECT k FROM t ORDER BY rowid")]
        )
        assert keys == ["posted", "waited", "then"]
        assert insert.threads == {threading.get_ident()}

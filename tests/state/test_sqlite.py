"""What only the SQLite backend and its worker promise: files, WAL, shared commits, threads."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import trio
import trio.testing

from orchestrator.core.errors import CallbackError
from orchestrator.stores.sqlite_worker import (
    SqliteWorker,
    StorageClosed,
    StorageError,
    open_sqlite_worker,
)
from orchestrator.stores.state import SqliteStateStore, default_state_path, open_sqlite_state


def _make_table(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")


def _insert(connection: sqlite3.Connection, key: str, value: int) -> int:
    connection.execute("INSERT INTO t VALUES (?, ?)", (key, value))
    return value


def _rows(connection: sqlite3.Connection) -> list[tuple[str, int]]:
    return connection.execute("SELECT k, v FROM t ORDER BY k").fetchall()


def _insert_then_fail(connection: sqlite3.Connection, key: str) -> None:
    connection.execute("INSERT INTO t VALUES (?, ?)", (key, -1))
    raise ValueError("this job fails after writing")


class Gate:
    """A job that holds the worker thread until released, so that jobs queued
    meanwhile are known to share the next batch."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, connection: sqlite3.Connection) -> None:
        self.keep_thread()

    def keep_thread(self) -> None:
        """Say the thread is here, and keep it until released."""
        self.entered.set()
        assert self.release.wait(10)

    async def hold(self, worker: SqliteWorker, nursery: trio.Nursery) -> None:
        nursery.start_soon(worker.run, self)
        await trio.to_thread.run_sync(self.entered.wait)


async def test_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    path = default_state_path(tmp_path)
    assert path == tmp_path / ".steppe" / "state.db"
    async with open_sqlite_state(path) as store:
        await store.set("orders", "o:1", {"total": 12.5, "items": ["a", "b"]})
        await store.set("a:b", "k", True)
        await store.set("gone", "k", 1)
        await store.delete("gone", "k")
    assert path.is_file()
    async with open_sqlite_state(path) as store:
        assert await store.get("orders", "o:1") == {"total": 12.5, "items": ["a", "b"]}
        assert await store.groups() == ["a:b", "orders"]
        assert await store.get("gone", "k") is None


async def test_the_file_is_in_wal_mode_with_normal_sync(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db", busy_timeout=2.5) as worker:
        assert worker.journal_mode == "wal"

        def pragmas(connection: sqlite3.Connection) -> tuple[str, int, int]:
            return (
                connection.execute("PRAGMA journal_mode").fetchone()[0],
                connection.execute("PRAGMA synchronous").fetchone()[0],
                connection.execute("PRAGMA busy_timeout").fetchone()[0],
            )

        assert await worker.run(pragmas) == ("wal", 1, 2500)  # 1 is NORMAL
    # WAL is a property of the file: a fresh connection sees it too.
    with sqlite3.connect(tmp_path / "w.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


async def test_concurrent_writes_share_commits_while_the_thread_is_busy(tmp_path: Path) -> None:
    # With the connection free, each set commits at once on the trio thread
    # (tests/state/test_group_commit.py); here the thread holds it.
    async with open_sqlite_state(tmp_path / "state.db") as store:
        gate = Gate()

        async def write(n: int) -> None:
            await store.set("g", f"{n:03}", n)

        async with trio.open_nursery() as nursery:
            await gate.hold(store.worker, nursery)
            before = store.worker.commits
            for n in range(200):
                nursery.start_soon(write, n)
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        commits = store.worker.commits - before
        assert commits == 2  # the gate's, then one for the 200 sets
        assert await store.get_group("g") == list(range(200))


async def test_jobs_queued_while_the_thread_is_busy_share_one_commit(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        gate = Gate()
        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            before = worker.commits
            for n in range(100):
                nursery.start_soon(worker.run, _insert, f"{n:03}", n)
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        # The gate's own batch, then one batch for all hundred writes.
        assert worker.commits - before == 2
        assert len(await worker.run(_rows)) == 100


async def test_a_failing_job_loses_only_its_own_writes(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        gate = Gate()
        results: dict[str, object] = {}

        async def call_insert(key: str) -> None:
            results[key] = await worker.run(_insert, key, 1)

        async def call_failing() -> None:
            with pytest.raises(ValueError, match="fails after writing"):
                await worker.run(_insert_then_fail, "bad")
            results["bad"] = "raised"

        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            before = worker.commits
            nursery.start_soon(call_insert, "a")
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(call_failing)
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(call_insert, "b")
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        assert worker.commits - before == 2  # the failure shared the batch, and it committed
        assert results == {"a": 1, "bad": "raised", "b": 1}
        assert await worker.run(_rows) == [("a", 1), ("b", 1)]


async def test_a_job_error_reaches_its_caller_unchanged(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        await worker.run(_insert, "k", 1)
        with pytest.raises(sqlite3.IntegrityError):
            await worker.run(_insert, "k", 2)
        assert await worker.run(_rows) == [("k", 1)]


async def test_a_lost_transaction_is_reported_to_every_job_of_the_batch(tmp_path: Path) -> None:
    # A job that ends the transaction itself breaks the rule; the worker must then not
    # tell the other callers their writes were saved.
    def rollback_everything(connection: sqlite3.Connection) -> None:
        connection.execute("ROLLBACK")

    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        gate = Gate()
        errors: list[BaseException] = []

        async def call(fn: object, *args: object) -> None:
            try:
                await worker.run(fn, *args)  # type: ignore[arg-type]
            except StorageError as exc:
                errors.append(exc)

        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            nursery.start_soon(call, _insert, "a", 1)
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(call, rollback_everything)
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        assert len(errors) == 2
        assert errors[0] is not errors[1]
        assert all("not committed" in str(error) for error in errors)
        # The worker carries on with the next batch.
        assert await worker.run(_insert, "b", 2) == 2
        assert await worker.run(_rows) == [("b", 2)]


async def test_the_trio_loop_keeps_running_during_a_slow_job(tmp_path: Path) -> None:
    def slow(connection: sqlite3.Connection) -> str:
        time.sleep(0.3)
        return "done"

    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        ticks: list[float] = []

        async def tick(cancel_scope: trio.CancelScope) -> None:
            with cancel_scope:
                while True:
                    ticks.append(trio.current_time())
                    await trio.sleep(0.01)

        async with trio.open_nursery() as nursery:
            scope = trio.CancelScope()
            nursery.start_soon(tick, scope)
            started = trio.current_time()
            assert await worker.run(slow) == "done"
            elapsed = trio.current_time() - started
            scope.cancel()
        assert elapsed >= 0.29
        assert len(ticks) >= 10
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert max(gaps) < 0.1


async def test_a_cancelled_caller_stops_waiting_but_its_job_completes(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        gate = Gate()
        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            with trio.move_on_after(0.05) as scope:
                await worker.run(_insert, "late", 7)
            assert scope.cancelled_caught
            gate.release.set()
        assert await worker.run(_rows) == [("late", 7)]


async def test_a_caller_cancelled_before_asking_queues_nothing(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        with trio.CancelScope() as scope:
            scope.cancel()
            await worker.run(_insert, "never", 1)
        assert await worker.run(_rows) == []


async def test_close_lets_queued_jobs_finish_then_refuses_work(tmp_path: Path) -> None:
    worker = SqliteWorker(tmp_path / "w.db")
    with pytest.raises(StorageClosed, match="not open"):
        await worker.run(_rows)
    await worker.open()
    await worker.run(_make_table)
    results: list[int] = []

    async def insert(n: int) -> None:
        results.append(await worker.run(_insert, str(n), n))

    async with trio.open_nursery() as nursery:
        for n in range(20):
            nursery.start_soon(insert, n)
        await trio.testing.wait_all_tasks_blocked()
        await worker.aclose()
    assert sorted(results) == list(range(20))
    assert worker.closed
    with pytest.raises(StorageClosed, match="closed"):
        await worker.run(_rows)
    await worker.aclose()  # closing twice is harmless
    with sqlite3.connect(tmp_path / "w.db") as connection:
        assert connection.execute("SELECT count(*) FROM t").fetchone()[0] == 20
    connection.close()


async def test_a_closed_state_store_says_so(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with pytest.raises(StorageClosed, match="not open"):
        await store.get("g", "k")
    await store.open()
    await store.set("g", "k", 1)
    await store.aclose()
    with pytest.raises(StorageClosed, match="closed"):
        await store.get("g", "k")


async def test_a_file_that_cannot_be_opened_raises_storage_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    with pytest.raises(StorageError, match="cannot open"):
        async with open_sqlite_state(tmp_path / "not-a-folder" / "state.db"):
            pass


async def test_a_value_that_is_not_json_is_refused(tmp_path: Path) -> None:
    async with open_sqlite_state(tmp_path / "state.db") as store:
        with pytest.raises(CallbackError, match="must be JSON"):
            await store.set("g", "k", {"raw": b"bytes"})
        circular: list[object] = []
        circular.append(circular)
        with pytest.raises(CallbackError, match="must be JSON"):
            await store.set("g", "k", circular)
        assert await store.groups() == []


async def test_a_state_store_can_share_a_worker(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "shared.db") as worker:
        store = await SqliteStateStore.on_worker(worker)
        await store.set("g", "k", [1])
        await store.aclose()  # the worker belongs to its opener
        assert await store.get("g", "k") == [1]
        assert not worker.closed


async def test_the_stored_value_is_json_text(tmp_path: Path) -> None:
    # Other tools (sqlite3 CLI, the workbench) read the file: values are plain JSON text.
    path = tmp_path / "state.db"
    async with open_sqlite_state(path) as store:
        await store.set("g", "k", {"é": [1, None]})
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT group_name, key, value FROM state").fetchone()
    connection.close()
    assert row == ("g", "k", '{"é":[1,null]}')


class MergedInsert:
    """A merged job that records each call's items, and can be told to fail."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, int]]] = []
        self.fail = False

    def __call__(self, connection: sqlite3.Connection, items: list[tuple[str, int]]) -> None:
        self.calls.append(items)
        connection.executemany("INSERT INTO t VALUES (?, ?)", items)
        if self.fail:
            raise ValueError("the merged write fails")


async def test_merged_items_from_many_callers_are_one_call_each_committed(
    tmp_path: Path,
) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        merged, gate = MergedInsert(), Gate()
        returned: list[int] = []

        async def write(n: int) -> None:
            await worker.run_merged(merged, (f"{n:03}", n))
            returned.append(n)

        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            for n in range(50):
                nursery.start_soon(write, n)
                await trio.testing.wait_all_tasks_blocked()  # queued in this order
            assert returned == []  # nobody returns before the commit
            gate.release.set()
        assert merged.calls == [[(f"{n:03}", n) for n in range(50)]]
        assert sorted(returned) == list(range(50))
        assert len(await worker.run(_rows)) == 50


async def test_a_failed_merged_call_fails_each_caller_and_writes_nothing(
    tmp_path: Path,
) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        merged, gate = MergedInsert(), Gate()
        merged.fail = True
        errors: list[StorageError] = []

        async def write(n: int) -> None:
            with pytest.raises(StorageError, match="MergedInsert failed: the merged write") as e:
                await worker.run_merged(merged, (str(n), n))
            errors.append(e.value)

        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            nursery.start_soon(worker.run, _insert, "other", 1)
            for n in range(3):
                nursery.start_soon(write, n)
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        assert len({id(e) for e in errors}) == 3  # one exception each, not a shared one
        assert all(isinstance(e.__cause__, ValueError) for e in errors)
        # Only the failed call's writes are undone; the job beside it committed.
        assert await worker.run(_rows) == [("other", 1)]


async def test_posted_items_are_written_before_any_later_job_runs(tmp_path: Path) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        merged = MergedInsert()
        for n in range(10):
            worker.post(merged, (str(n), n))  # returns at once: nothing to await
        assert len(await worker.run(_rows)) == 10
        worker.post(merged, ("last", 99))
    # Closing commits what was posted.
    with sqlite3.connect(tmp_path / "w.db") as connection:
        assert connection.execute("SELECT v FROM t WHERE k = 'last'").fetchone() == (99,)
    connection.close()


async def test_a_failed_post_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        merged = MergedInsert()
        merged.fail = True
        worker.post(merged, ("k", 1))
        assert await worker.run(_rows) == []
    assert "MergedInsert failed: the merged write fails" in caplog.text


async def test_a_batch_where_no_job_fails_uses_no_savepoints(tmp_path: Path) -> None:
    statements: list[str] = []

    def trace(connection: sqlite3.Connection) -> None:
        connection.set_trace_callback(statements.append)

    async with open_sqlite_worker(tmp_path / "w.db") as worker:
        await worker.run(_make_table)
        await worker.run(trace)
        gate = Gate()
        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            for n in range(3):
                nursery.start_soon(worker.run, _insert, str(n), n)
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        assert len(await worker.run(_rows)) == 3
    assert "INSERT INTO t VALUES ('2', 2)" in statements
    assert not any(s.startswith("SAVEPOINT") for s in statements)


def _make_table_in(connection: sqlite3.Connection, schema: str) -> None:
    connection.execute(f"CREATE TABLE {schema}.t_{schema} (k TEXT PRIMARY KEY)")


def _insert_in(connection: sqlite3.Connection, schema: str, key: str) -> None:
    # Unqualified, as stores write: each attached file's tables have names of their own.
    connection.execute(f"INSERT INTO t_{schema} VALUES (?)", (key,))


async def test_attached_files_share_the_thread_and_its_commits(tmp_path: Path) -> None:
    files = {"left": tmp_path / "a" / "left.db", "right": tmp_path / "b" / "right.db"}
    async with open_sqlite_worker(":memory:", attached=files) as worker:
        assert worker.journal_modes == {"main": "memory", "left": "wal", "right": "wal"}
        assert worker.file("right") == files["right"]
        for schema in files:
            await worker.run(_make_table_in, schema)
        gate = Gate()
        async with trio.open_nursery() as nursery:
            await gate.hold(worker, nursery)
            before = worker.commits
            for n in range(10):
                nursery.start_soon(worker.run, _insert_in, "left", f"{n}")
                nursery.start_soon(worker.run, _insert_in, "right", f"{n}")
            await trio.testing.wait_all_tasks_blocked()
            gate.release.set()
        assert worker.commits - before == 2  # the gate's batch, then all twenty writes
    # Errors name the files, not the empty in-memory main database.
    with pytest.raises(StorageClosed) as closed:
        await worker.run(_insert_in, "left", "late")
    assert str(closed.value) == f"{files['left']} + {files['right']}: the database is closed"
    for schema, file in files.items():
        with sqlite3.connect(file) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert connection.execute(f"SELECT count(*) FROM t_{schema}").fetchone()[0] == 10
        connection.close()


@pytest.mark.parametrize("schema", ["main", "temp", "two words", 'x"; DROP', ""])
def test_an_attached_file_needs_a_plain_schema_name_of_its_own(tmp_path: Path, schema: str) -> None:
    with pytest.raises(StorageError, match="cannot name an attached database"):
        SqliteWorker(":memory:", attached={schema: tmp_path / "x.db"})

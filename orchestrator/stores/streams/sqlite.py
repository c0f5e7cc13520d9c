"""The embedded stream store (the default): one table in `.steppe/streams.db`.

Its own file and worker thread, so that a burst of token-by-token updates never
queues behind the event queue's or the state's commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSONMap
from orchestrator.stores.sqlite_worker import SqliteWorker, StrPath, open_sqlite_worker
from orchestrator.stores.streams.base import (
    ItemCheck,
    SetOutcome,
    StreamStore,
    UpdateOutcome,
    updated_item,
)
from orchestrator.stores.update_ops import UpdateOp

# `seq` orders a group by creation (an update keeps it); `expires_at` is NULL for items
# that never expire, so the partial index holds only the ones the sweeper looks for.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS stream_items (
        stream TEXT NOT NULL, group_id TEXT NOT NULL, item_id TEXT NOT NULL,
        seq INTEGER NOT NULL, data TEXT NOT NULL, expires_at REAL,
        PRIMARY KEY (stream, group_id, item_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS stream_items_order ON stream_items (stream, group_id, seq)",
    """CREATE INDEX IF NOT EXISTS stream_items_expiry ON stream_items (expires_at)
        WHERE expires_at IS NOT NULL""",
)
_LIVE = "(expires_at IS NULL OR expires_at > ?)"


def _encode(item: JSONMap) -> str:
    try:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise CallbackError("ValidationError", f"a stream item must be JSON: {exc}") from None


class SqliteStreamStore(StreamStore):
    """Create it with `await SqliteStreamStore.on_worker(worker)`, or use `open_sqlite_streams`."""

    def __init__(self, worker: SqliteWorker) -> None:
        self._worker = worker
        # Touched only by jobs, which all run on the worker's one thread.
        self._seq = 0

    @classmethod
    async def on_worker(cls, worker: SqliteWorker) -> SqliteStreamStore:
        store = cls(worker)
        store._seq = await worker.run(_create)
        return store

    async def get(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        return await self._worker.run(_get, stream, group, item_id, now)

    async def get_group(self, stream: str, group: str, now: float) -> list[JSONMap]:
        return await self._worker.run(_get_group, stream, group, now)

    async def list_groups(
        self, stream: str, now: float, *, limit: int | None = None
    ) -> dict[str, int]:
        return await self._worker.run(_list_groups, stream, now, -1 if limit is None else limit)

    async def set(
        self,
        stream: str,
        group: str,
        item: JSONMap,
        *,
        now: float,
        expires_at: float | None = None,
        max_items: int | None = None,
    ) -> SetOutcome:
        # Encoded here, before any await, so the caller's later mutations cannot reach the store.
        text = _encode(item)
        return await self._worker.run_at_once(
            self._set, stream, group, str(item["id"]), text, now, expires_at, max_items
        )

    async def update(
        self,
        stream: str,
        group: str,
        item_id: str,
        ops: list[UpdateOp],
        *,
        now: float,
        expires_at: float | None = None,
        max_items: int | None = None,
        check: ItemCheck | None = None,
    ) -> UpdateOutcome:
        # One job: the worker runs jobs one at a time in its transaction, so nothing can
        # write the item between this job's read and its write.
        return await self._worker.run_at_once(
            self._update, stream, group, item_id, ops, now, expires_at, max_items, check
        )

    async def delete(self, stream: str, group: str, item_id: str, now: float) -> JSONMap | None:
        return await self._worker.run_at_once(_delete, stream, group, item_id, now)

    async def expired_groups(self, now: float) -> list[tuple[str, str]]:
        return await self._worker.run(_expired_groups, now)

    async def expire(self, stream: str, group: str, now: float) -> list[JSONMap]:
        return await self._worker.run(_expire, stream, group, now)

    async def next_expiry(self) -> float | None:
        return await self._worker.run(_next_expiry)

    # Run on the worker thread.
    def _update(
        self,
        connection: sqlite3.Connection,
        stream: str,
        group: str,
        item_id: str,
        ops: list[UpdateOp],
        now: float,
        expires_at: float | None,
        max_items: int | None,
        check: ItemCheck | None,
    ) -> UpdateOutcome:
        old = _get(connection, stream, group, item_id, now)
        where = f"streams.{stream}.update({group!r}, {item_id!r})"
        new = updated_item(old, item_id, ops, check, where)
        outcome = self._set(
            connection, stream, group, item_id, _encode(new), now, expires_at, max_items
        )
        return UpdateOutcome(old, new, outcome.evicted)

    def _set(
        self,
        connection: sqlite3.Connection,
        stream: str,
        group: str,
        item_id: str,
        text: str,
        now: float,
        expires_at: float | None,
        max_items: int | None,
    ) -> SetOutcome:
        key = (stream, group, item_id)
        row = connection.execute(
            "SELECT expires_at, data FROM stream_items"
            " WHERE stream = ? AND group_id = ? AND item_id = ?",
            key,
        ).fetchone()
        created = row is None or (row[0] is not None and row[0] <= now)
        old = None if row is None or created else json.loads(row[1])
        if created:
            self._seq += 1
            connection.execute(
                "INSERT OR REPLACE INTO stream_items VALUES (?, ?, ?, ?, ?, ?)",
                (*key, self._seq, text, expires_at),
            )
        else:
            connection.execute(
                "UPDATE stream_items SET data = ?, expires_at = ?"
                " WHERE stream = ? AND group_id = ? AND item_id = ?",
                (text, expires_at, *key),
            )
        evicted: list[JSONMap] = []
        if created and max_items is not None:
            rows = connection.execute(
                f"SELECT item_id, data FROM stream_items WHERE stream = ? AND group_id = ?"
                f" AND {_LIVE} ORDER BY seq DESC LIMIT -1 OFFSET ?",
                (stream, group, now, max_items),
            ).fetchall()
            connection.executemany(
                "DELETE FROM stream_items WHERE stream = ? AND group_id = ? AND item_id = ?",
                [(stream, group, old_id) for old_id, _ in rows],
            )
            evicted = [json.loads(data) for _, data in reversed(rows)]
        return SetOutcome(old, evicted)


@asynccontextmanager
async def open_sqlite_streams(path: StrPath) -> AsyncIterator[SqliteStreamStore]:
    """A SqliteStreamStore on its own file, closed on exit once its writes are committed."""
    async with open_sqlite_worker(Path(path)) as worker:
        yield await SqliteStreamStore.on_worker(worker)


# Jobs: they run on the worker thread, inside its transaction.


def _create(connection: sqlite3.Connection) -> int:
    for statement in _SCHEMA:
        connection.execute(statement)
    row = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM stream_items").fetchone()
    return int(row[0])


def _get(
    connection: sqlite3.Connection, stream: str, group: str, item_id: str, now: float
) -> JSONMap | None:
    row = connection.execute(
        f"SELECT data FROM stream_items WHERE stream = ? AND group_id = ? AND item_id = ?"
        f" AND {_LIVE}",
        (stream, group, item_id, now),
    ).fetchone()
    return None if row is None else json.loads(row[0])


def _get_group(
    connection: sqlite3.Connection, stream: str, group: str, now: float
) -> list[JSONMap]:
    rows = connection.execute(
        f"SELECT data FROM stream_items WHERE stream = ? AND group_id = ? AND {_LIVE} ORDER BY seq",
        (stream, group, now),
    ).fetchall()
    return [json.loads(text) for (text,) in rows]


def _list_groups(
    connection: sqlite3.Connection, stream: str, now: float, limit: int
) -> dict[str, int]:
    rows = connection.execute(
        f"SELECT group_id, COUNT(*) FROM stream_items WHERE stream = ? AND {_LIVE}"
        " GROUP BY group_id ORDER BY group_id LIMIT ?",
        (stream, now, limit),
    ).fetchall()
    return {str(group): int(count) for group, count in rows}


def _delete(
    connection: sqlite3.Connection, stream: str, group: str, item_id: str, now: float
) -> JSONMap | None:
    row = connection.execute(
        "DELETE FROM stream_items WHERE stream = ? AND group_id = ? AND item_id = ?"
        " RETURNING data, expires_at",
        (stream, group, item_id),
    ).fetchone()
    if row is None or (row[1] is not None and row[1] <= now):
        return None
    return json.loads(row[0])  # type: ignore[no-any-return]


def _expired_groups(connection: sqlite3.Connection, now: float) -> list[tuple[str, str]]:
    rows = connection.execute(
        "SELECT DISTINCT stream, group_id FROM stream_items"
        " WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY stream, group_id",
        (now,),
    ).fetchall()
    return [(stream, group) for stream, group in rows]


def _expire(connection: sqlite3.Connection, stream: str, group: str, now: float) -> list[JSONMap]:
    rows = connection.execute(
        "SELECT item_id, data FROM stream_items WHERE stream = ? AND group_id = ?"
        " AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY seq",
        (stream, group, now),
    ).fetchall()
    connection.executemany(
        "DELETE FROM stream_items WHERE stream = ? AND group_id = ? AND item_id = ?",
        [(stream, group, item_id) for item_id, _ in rows],
    )
    return [json.loads(data) for _, data in rows]


def _next_expiry(connection: sqlite3.Connection) -> float | None:
    row = connection.execute(
        "SELECT MIN(expires_at) FROM stream_items WHERE expires_at IS NOT NULL"
    ).fetchone()
    return None if row[0] is None else float(row[0])

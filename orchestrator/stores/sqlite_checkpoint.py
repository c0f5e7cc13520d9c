"""WAL checkpoints from connections of their own.

A checkpoint copies the WAL's pages into the database file and syncs the disk: it
can take milliseconds. SQLite runs one automatically inside the commit that grows
the WAL past 1,000 pages, which would hold the writing connection, and with it any
merged write the trio thread wanted to commit (see `SqliteWorker.run_merged`). The
worker turns that off and has its thread call `Checkpointer.run` instead: PASSIVE
checkpoints on separate connections, which the writing connection does not wait for.

The WAL starts over from its beginning only at a write after a checkpoint that
copied all of it; under steady writes a checkpoint running beside them never does,
and the WAL would grow without end. So when the first pass leaves frames behind
(written meanwhile), a second copies them while the writer is held: few pages, one
sync.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger("steppe.storage")


class Checkpointer:
    """Checkpoints the WAL of each of `files` (schema → file) on its own connection,
    opened on first use; call it from one thread."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self.files = dict(files)
        self._connections: dict[str, sqlite3.Connection] = {}
        self.runs = 0

    def run(self, writer: threading.Lock) -> None:
        """Copy what each WAL holds into its file, as far as no reader needs it
        (PASSIVE: never waits for one), then what was written meanwhile while holding
        `writer`, the lock of the connection that writes. A failure is logged: the
        writes go on, and the next run tries again."""
        self.runs += 1
        for schema, file in self.files.items():
            try:
                connection = self._connections.get(schema)
                if connection is None:
                    connection = sqlite3.connect(file, isolation_level=None)
                    self._connections[schema] = connection
                _, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if copied < frames:
                    with writer:
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                log.warning("%s: the WAL could not be checkpointed: %s", file, exc)

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

"""WAL checkpoints from connections of their own.

A checkpoint copies the WAL's pages into the database file and syncs the disk: it
can take milliseconds. SQLite runs one automatically inside the commit that grows
the WAL past 1,000 pages, which would hold the writing connection, and with it any
merged write the trio thread wanted to commit (see `SqliteWorker.run_merged`). The
worker turns that off and has its thread call `Checkpointer.run` instead: PASSIVE
checkpoints on separate connections, which the writing connection does not wait for.

The WAL starts over from its beginning only at a write after a checkpoint that
copied all of it, and a PASSIVE one beside the writer did not make that happen (the
WAL grew without end in tests/state/test_group_commit.py). So a second pass, while
the writer is held, copies what was written meanwhile (few pages) as a RESTART
checkpoint, after which the next write starts the WAL over.
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
        """Copy what each WAL holds into its file (PASSIVE: never waits), then what was
        written meanwhile while holding `writer`, the lock of the connection that
        writes (RESTART: the next write starts the WAL over). A failure is logged: the
        writes go on, and the next run tries again."""
        self.runs += 1
        for schema, file in self.files.items():
            try:
                connection = self._connections.get(schema)
                if connection is None:
                    # RESTART waits for readers of other processes: briefly.
                    connection = sqlite3.connect(file, timeout=0.1, isolation_level=None)
                    self._connections[schema] = connection
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                with writer:
                    connection.execute("PRAGMA wal_checkpoint(RESTART)")
            except sqlite3.Error as exc:
                log.warning("%s: the WAL could not be checkpointed: %s", file, exc)

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

"""One server per data folder: `steppe dev`/`start` hold an exclusive lock on
`.steppe/server.lock` while they serve.

Two servers on one folder would both fire every cron tick and interleave their writes
to the same state (docs/reference.md §6); the second one is refused at start instead.
The lock is an advisory `flock`, released by the kernel when the holder exits however
it exits, so a crashed server never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestrator.core.errors import UsageError

LOCK_FILE = "server.lock"


class DataDirInUse(UsageError):
    """Raised when another Steppe server already holds the project's data folder."""


@contextmanager
def hold_data_dir(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's lock for the block; raises DataDirInUse naming the pid of
    the server that holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    # os.open's descriptors are not inherited: runner processes never hold the lock.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise DataDirInUse(
            f"{data_dir} is in use by another Steppe server (pid {holder}); stop that "
            "server first, or give this one another data_dir"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock

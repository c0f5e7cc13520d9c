"""CPU time of other processes, read from /proc: what a request costs each process of a
server, whatever else the shared machine runs meanwhile (wall time moves with that)."""

from __future__ import annotations

import os
from collections.abc import Iterable


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far, in seconds: the sum of its live threads'
    schedstat (nanoseconds; /proc/<pid>/stat counts whole clock ticks, 10 ms, too coarse
    for a request). A thread that ended no longer counts: fine for the servers measured,
    whose threads live as long as they do. 0 for a process that is gone."""
    total = 0
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/schedstat") as file:
                total += int(file.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended meanwhile
    return total / 1e9


def cpu_of(pids: Iterable[int]) -> dict[int, float]:
    """`cpu_seconds` of each process."""
    return {pid: cpu_seconds(pid) for pid in pids}

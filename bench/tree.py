"""The process tree of a server (orchestrator and runners, or any framework's processes):
its members, its resident memory, and stopping all of it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple


class Proc(NamedTuple):
    ppid: int
    pgrp: int
    start: int  # clock ticks after boot: with the pid, identifies one process


class TreeRss(NamedTuple):
    mib: float  # summed VmRSS
    procs: int


def parse_stat(text: str) -> tuple[int, Proc]:
    """(pid, Proc) from the text of /proc/<pid>/stat (the name may hold ')' or spaces)."""
    head, _, rest = text.rpartition(")")
    fields = rest.split()
    return int(head.split("(", 1)[0]), Proc(int(fields[1]), int(fields[2]), int(fields[19]))


def parse_vmrss_kib(status: str) -> int:
    """VmRSS in KiB from /proc/<pid>/status; 0 when absent (zombies, kernel threads)."""
    found = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def proc_table() -> dict[int, Proc]:
    """Every process now running, by pid (in the order /proc lists them)."""
    table: dict[int, Proc] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with suppress(OSError, ValueError, IndexError):
                pid, proc = parse_stat(Path(entry.path, "stat").read_text())
                table[pid] = proc
    return table


def tree_of(procs: Mapping[int, Proc], root: int) -> list[int]:
    """`root`, every descendant of it, and when `root` leads its process group (a server
    started in its own session does) the group's other members and their descendants:
    root first, then depth first. Descendants that started their own session (Steppe's
    runners do) are found through their parent; group members orphaned into init
    through their group."""
    if root not in procs:
        return []
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.ppid, []).append(pid)
    leads = procs[root].pgrp == root
    stack = [pid for pid, proc in procs.items() if leads and proc.pgrp == root and pid != root]
    stack.append(root)
    found: list[int] = []
    seen: set[int] = set()
    while stack:
        pid = stack.pop()
        if pid not in seen:
            seen.add(pid)
            found.append(pid)
            stack.extend(children.get(pid, ()))
    return found


def process_tree(root: int) -> list[int]:
    """The tree of `root` as it runs now (see `tree_of`)."""
    return tree_of(proc_table(), root)


def tree_rss_mib(root: int) -> TreeRss:
    """Resident memory (summed VmRSS, MiB) and number of processes of the tree of `root`."""
    pids = process_tree(root)
    total = 0
    for pid in pids:
        with suppress(OSError):
            total += parse_vmrss_kib(Path(f"/proc/{pid}/status").read_text())
    return TreeRss(total / 1024, len(pids))


class RssSampler:
    """Samples the tree's RSS every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root = root
        self.interval = interval
        self.peak_mib = 0.0
        self.peak_procs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            mib, procs = tree_rss_mib(self.root)
            self.peak_mib = max(self.peak_mib, mib)
            self.peak_procs = max(self.peak_procs, procs)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stop_tree(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM to the process group of `process`; after `grace` seconds SIGKILL to every
    process of its tree still alive (matched by pid and start time, so a reused pid
    is never hit)."""
    table = proc_table()
    started = {pid: table[pid].start for pid in tree_of(table, process.pid)}
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    table = proc_table()
    started |= {pid: table[pid].start for pid in tree_of(table, process.pid)}
    for pid, start in started.items():
        if pid in table and table[pid].start == start:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(5)


if __name__ == "__main__":
    print(f"{tree_rss_mib(os.getpid()).mib:.1f} MiB")

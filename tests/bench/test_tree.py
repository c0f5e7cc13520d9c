"""bench/tree.py: the process tree of a server, its memory, and stopping it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.tree import (
    Proc,
    RssSampler,
    parse_stat,
    parse_vmrss_kib,
    process_tree,
    stop_tree,
    tree_of,
    tree_rss_mib,
)


def test_parse_stat_reads_names_with_parens_and_spaces() -> None:
    later = " ".join(str(n) for n in range(6, 53))  # fields 6 (session) to 52, by number
    pid, proc = parse_stat(f"4242 (node (a) b) S 17 4200 {later}")
    assert (pid, proc) == (4242, Proc(ppid=17, pgrp=4200, start=22))  # starttime: field 22


def test_parse_stat_of_this_process() -> None:
    pid, proc = parse_stat(Path("/proc/self/stat").read_text())
    assert (pid, proc.ppid, proc.pgrp) == (os.getpid(), os.getppid(), os.getpgrp())


def test_parse_vmrss() -> None:
    assert parse_vmrss_kib("Name:\tnode\nVmRSS:\t  186656 kB\nThreads:\t7\n") == 186656
    assert parse_vmrss_kib("Name:\tkworker\nThreads:\t1\n") == 0


def test_tree_includes_group_and_descendants_in_other_sessions() -> None:
    procs = {
        1: Proc(0, 1, 0),
        100: Proc(1, 100, 5),  # the server, leader of its group
        101: Proc(100, 100, 6),  # a step process
        102: Proc(100, 102, 6),  # a runner in its own session
        103: Proc(102, 102, 7),  # the runner's child
        104: Proc(1, 100, 8),  # orphaned into init, still in the group
        200: Proc(1, 200, 9),  # unrelated
    }
    tree = tree_of(procs, 100)
    assert sorted(tree) == [100, 101, 102, 103, 104]
    assert tree_of(procs, 999) == []


def test_a_root_that_does_not_lead_its_group_brings_only_its_descendants() -> None:
    procs = {
        50: Proc(1, 50, 1),  # a shell, leader of the group
        100: Proc(50, 50, 5),  # a server it started, in its group
        101: Proc(100, 101, 6),  # a runner in its own session
        102: Proc(50, 50, 7),  # another process of the shell's group
    }
    assert tree_of(procs, 100) == [100, 101]


def test_tree_lists_root_first_then_depth_first() -> None:
    # bench/soak.py picks the runner to kill by its place in this list.
    procs = {
        100: Proc(1, 100, 5),
        101: Proc(100, 101, 6),
        102: Proc(100, 102, 6),
        103: Proc(101, 101, 7),
    }
    assert tree_of(procs, 100) == [100, 102, 101, 103]


def _gone(pid: int) -> bool:
    """Not running: no such pid, or a zombie left for its new parent to reap."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _parent_of_a_session_leader(pid_file: Path) -> list[str]:
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen(['sleep', '60'], start_new_session=True)\n"
        "open(sys.argv[1], 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    return [sys.executable, "-c", script, str(pid_file)]


def _wait_for(pid_file: Path) -> int:
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return int(pid_file.read_text())


def test_process_tree_and_rss_of_a_running_tree(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(_parent_of_a_session_leader(pid_file), start_new_session=True)
    try:
        child = _wait_for(pid_file)
        assert process_tree(parent.pid) == [parent.pid, child]
        rss = tree_rss_mib(parent.pid)
        assert rss.procs == 2 and rss.mib > 1
        with RssSampler(parent.pid, interval=0.01) as sampler:
            time.sleep(0.05)
        assert sampler.peak_procs == 2 and sampler.peak_mib > 1
    finally:
        stop_tree(parent)


def test_stop_tree_reaches_a_child_in_its_own_session(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(_parent_of_a_session_leader(pid_file), start_new_session=True)
    child = _wait_for(pid_file)
    stop_tree(parent, grace=5)
    assert parent.returncode is not None
    deadline = time.monotonic() + 5
    while not _gone(child):  # SIGKILL is asynchronous
        assert time.monotonic() < deadline, f"pid {child} survived stop_tree"
        time.sleep(0.01)

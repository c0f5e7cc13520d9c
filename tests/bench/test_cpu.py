"""bench/cpu.py: CPU time of a process from /proc, finer than clock ticks."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.cpu import cpu_of, cpu_seconds


def test_cpu_time_of_a_busy_process_counts_every_thread_finely() -> None:
    # Two threads spinning 0.2 s each, then waiting: the process's CPU time counts both.
    busy = (
        "import threading, time\n"
        "def spin():\n"
        "    end = time.thread_time() + 0.2\n"
        "    while time.thread_time() < end: pass\n"
        "    input()\n"
        "threading.Thread(target=spin, daemon=True).start(); spin()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", busy], stdin=subprocess.PIPE)
    try:
        time.sleep(0.05)
        deadline = time.monotonic() + 20
        while cpu_seconds(child.pid) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        used = cpu_seconds(child.pid)
        assert 0.4 <= used < 2.0
        assert cpu_of([child.pid])[child.pid] >= used
    finally:
        child.kill()
        child.wait()
    assert cpu_seconds(child.pid) == 0.0  # gone


def test_a_small_amount_of_work_shows() -> None:
    # Clock ticks (/proc/<pid>/stat) are 10 ms; a millisecond of work must show.
    before = cpu_seconds(os.getpid())
    end = time.thread_time() + 0.001
    while time.thread_time() < end:
        pass
    assert 0.0005 < cpu_seconds(os.getpid()) - before < 0.5

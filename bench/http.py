"""API step throughput and latency with wrk, next to a bare Quart-Trio route."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.projects import BENCH_PROJECT

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


class WrkMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_200(url: str, timeout: float) -> float:
    """Seconds until `url` answers 200; raises TimeoutError."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - began
        except OSError:
            time.sleep(0.005)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")


@contextmanager
def server(argv: list[str], url: str, timeout: float = 30) -> Iterator[float]:
    """Start a server process; yields the seconds it took to answer `url` with 200."""
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        yield wait_for_200(url, timeout)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def steppe_argv(project: Path, port: int, mode: str = "start") -> list[str]:
    return [sys.executable, "-m", "orchestrator", mode, "--dir", str(project), "--port", str(port)]


def bare_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.bare_app", str(port)]


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def wrk(url: str, connections: int, seconds: float) -> dict[str, float]:
    """Requests/s and p50/p99 latency (ms) from one wrk run."""
    binary = shutil.which("wrk")
    if binary is None:
        raise WrkMissing("wrk is not installed (apt-get install wrk)")
    out = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} non-2xx responses under load")
    return {"rps": rate, "p50_ms": p50, "p99_ms": p99}


API_PATHS = {"ts": "/ping/ts", "js": "/ping/js", "py": "/ping/py", "rb": "/ping/rb"}


def api_figures(
    connections: tuple[int, ...], seconds: float
) -> dict[str, dict[str, dict[str, float]]]:
    """{target: {connections: figures}} for the bare route and each language's API step,
    the servers started once and measured one after the other in this run."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    bare_port = free_port()
    with server(bare_argv(bare_port), f"http://127.0.0.1:{bare_port}/ping"):
        results["bare"] = {
            str(c): wrk(f"http://127.0.0.1:{bare_port}/ping", c, seconds) for c in connections
        }
    port = free_port()
    with server(steppe_argv(BENCH_PROJECT, port), f"http://127.0.0.1:{port}/ping/py"):
        for lang, path in API_PATHS.items():
            url = f"http://127.0.0.1:{port}{path}"
            wrk(url, 4, 1)  # warm the route and the runner
            results[lang] = {str(c): wrk(url, c, seconds) for c in connections}
    return results


def cold_start(project: Path, path: str) -> float:
    """Seconds from `steppe start` to the first 200 on `path`."""
    port = free_port()
    with server(steppe_argv(project, port), f"http://127.0.0.1:{port}{path}") as seconds:
        return seconds

"""Servers under test and wrk, for every section; and the `api` section: API step
throughput and latency with wrk, next to a bare Quart-Trio route."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.projects import BENCH_PROJECT
from bench.tree import stop_tree

REPO = Path(__file__).parent.parent
WRK_DEFAULT_TIMEOUT = 2.0  # wrk's own default for --timeout
_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class WrkMissing(RuntimeError):
    pass


class ServerFailed(RuntimeError):
    """A server under test exited, or did not answer 200 in time; says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _status(url: str, timeout: float) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    ready_s: float  # from the start of the process to the first 200 on its ready URL


def wait_for_200(
    process: subprocess.Popen[bytes], url: str, timeout: float, log: Path | None = None
) -> float:
    """Seconds until `url` answers 200. ServerFailed if `process` exits first (with the
    tail of its `log`) or `timeout` seconds pass."""
    began = time.perf_counter()
    while (left := timeout - (time.perf_counter() - began)) > 0:
        if _status(url, min(10.0, left)) == 200:
            return time.perf_counter() - began
        if process.poll() is not None:
            said = f": {tail(log.read_text(errors='replace'))}" if log else ""
            command = shlex.join(process.args)  # type: ignore[arg-type]  # a list: see `server`
            raise ServerFailed(f"`{command}` exited with code {process.returncode}{said}")
        time.sleep(0.005)
    raise ServerFailed(f"{url} did not answer 200 within {timeout:.0f}s")


@contextmanager
def server(
    argv: list[str],
    url: str,
    timeout: float = 30,
    *,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[Running]:
    """Start a server in its own session, its output into `log` (or discarded); yield it
    once `url` answers 200 (see `wait_for_200`); always stop its whole process tree."""
    with log.open("wb") if log else open(os.devnull, "wb") as sink:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=sink, stderr=sink, start_new_session=True
        )
    try:
        yield Running(process, wait_for_200(process, url, timeout, log))
    finally:
        stop_tree(process)


def steppe_argv(project: Path, port: int, mode: str = "start") -> list[str]:
    return [sys.executable, "-m", "orchestrator", mode, "--dir", str(project), "--port", str(port)]


def bare_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.bare_app", str(port)]


def bare_asgi_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "bench.bare_asgi", str(port)]


def _to_ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    """Figures from `wrk --latency` output. Latencies are None when no request was
    answered in time (wrk then prints 0.00us, which is not a latency)."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    done = re.search(r"(\d+) requests in", out)
    if rate is None or done is None:
        raise ValueError(f"unexpected wrk output: {out[-300:]!r}")
    requests = int(done.group(1))
    timeouts_match = re.search(r"Socket errors:.*timeout (\d+)", out)
    timeouts = int(timeouts_match.group(1)) if timeouts_match else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"\s50%\s+(\S+)", out)
    p99 = re.search(r"\s99%\s+(\S+)", out)
    answered = requests > timeouts
    return {
        "rps": float(rate.group(1)),
        "p50_ms": _to_ms(p50.group(1)) if p50 and answered else None,
        "p99_ms": _to_ms(p99.group(1)) if p99 and answered else None,
        "requests": requests,
        "timeouts": timeouts,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def wrk(
    url: str,
    connections: int,
    seconds: float,
    timeout: float = WRK_DEFAULT_TIMEOUT,
    script: Path | None = None,
) -> dict[str, Any]:
    """One wrk run (one thread, whole seconds): requests/s, p50/p99 latency in ms, and
    the counts of requests, timeouts (no answer within `timeout` seconds: not in the
    latencies) and non-2xx/3xx answers, for the caller to judge. `script`: a wrk Lua
    script (`-s`); with one thread, its one Lua state serves every connection, so a
    counter in it counts every request."""
    binary = shutil.which("wrk")
    if binary is None:
        raise WrkMissing("wrk is not installed (apt-get install wrk)")
    argv = [binary, "-t1", f"-c{connections}", f"-d{seconds:.0f}s", f"--timeout={timeout:.0f}s"]
    if script is not None:
        argv += ["-s", str(script)]
    out = subprocess.run(
        [*argv, "--latency", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + timeout + 30,
    ).stdout
    return parse_wrk(out)


def served(url: str, connections: int, seconds: float) -> dict[str, float]:
    """`wrk` where every answer must be 2xx/3xx and at least one must come within wrk's
    default timeout: requests/s and p50/p99 latency (ms)."""
    figures = wrk(url, connections, seconds)
    if figures["non_2xx"]:
        raise RuntimeError(f"{url}: {figures['non_2xx']} non-2xx responses under load")
    if figures["p50_ms"] is None:
        raise RuntimeError(f"{url}: no answer within {WRK_DEFAULT_TIMEOUT:.0f}s under load")
    return {key: figures[key] for key in ("rps", "p50_ms", "p99_ms")}


# (connections, seconds) of load before each target is measured, the bare route too:
# the figures are of a steady state, after the runners' JITs and the caches warmed.
WARM_UP = (4, 3)
API_PATHS = {"ts": "/ping/ts", "js": "/ping/js", "py": "/ping/py", "rb": "/ping/rb"}


# One measured pair: the bare route's figures and a step's, taken one right after the other.
Pair = dict[str, dict[str, float]]


@dataclass
class ApiRound:
    pairs: dict[str, dict[str, Pair]]  # language → connections → pair
    asgi: dict[str, dict[str, float]]  # connections → the bare ASGI callable's figures


def api_figures(connections: tuple[int, ...], seconds: float, rounds: int) -> list[ApiRound]:
    """One ApiRound per round. The servers run throughout, and each step is measured
    right next to a measurement of the bare Quart route at the same connection count
    (the bare route first in the first, third… round, the step first in the others):
    the machine is shared and its speed drifts by 10 to 25% over minutes, so a ratio is
    only fair between figures taken seconds apart. The bare ASGI callable, a reference
    rather than a target, is measured once per round and connection count."""
    bare_port, asgi_port, port = free_port(), free_port(), free_port()
    bare = f"http://127.0.0.1:{bare_port}/ping"
    asgi = f"http://127.0.0.1:{asgi_port}/ping"
    steps = {lang: f"http://127.0.0.1:{port}{path}" for lang, path in API_PATHS.items()}
    with (
        server(bare_argv(bare_port), bare),
        server(bare_asgi_argv(asgi_port), asgi),
        server(steppe_argv(BENCH_PROJECT, port), steps["py"]),
    ):
        for url in (bare, asgi, *steps.values()):
            served(url, *WARM_UP)
        measured = []
        for round_ in range(rounds):
            this_round = ApiRound({}, {str(c): served(asgi, c, seconds) for c in connections})
            for lang, url in steps.items():
                this_round.pairs[lang] = {}
                for c in connections:
                    order = [("bare", bare), ("step", url)]
                    if round_ % 2:
                        order.reverse()
                    this_round.pairs[lang][str(c)] = {
                        name: served(u, c, seconds) for name, u in order
                    }
            measured.append(this_round)
        return measured


def cold_start(project: Path, path: str) -> float:
    """Seconds from `steppe start` to the first 200 on `path`."""
    port = free_port()
    with server(steppe_argv(project, port), f"http://127.0.0.1:{port}{path}") as running:
        return running.ready_s

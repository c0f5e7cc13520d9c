"""Where the time of an API request goes at one connection, over real sockets: for each
target, wrk at 1 connection and the CPU time per request of the server process and of
its runner (read from /proc: the shared machine moves wall time, much less CPU time).

Targets, all on the same Hypercorn config: the bare ASGI callable (`bare_asgi`), the
same callable making one round trip to a runner's echo program per request
(`asgi_echo`: the floor under a step of that language), and the API steps of `steppe
start`. Run as `python -m bench.onecon [--seconds S] [--rounds R]`; prints a table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from bench.cpu import cpu_of
from bench.http import (
    API_PATHS,
    WARM_UP,
    bare_asgi_argv,
    free_port,
    served,
    server,
    steppe_argv,
    wrk,
)
from bench.projects import BENCH_PROJECT
from bench.report import table
from bench.stats import median_of_runs
from bench.tree import process_tree

ECHO_LANGUAGES = ("python", "node", "ruby")


@contextmanager
def _targets() -> Iterator[dict[str, tuple[str, int]]]:
    """name → (URL, pid of the server process), every server up."""
    with ExitStack() as stack:
        targets: dict[str, tuple[str, int]] = {}

        def start(name: str, argv: list[str], url: str) -> None:
            targets[name] = (url, stack.enter_context(server(argv, url)).process.pid)

        port = free_port()
        start("bare ASGI callable", bare_asgi_argv(port), f"http://127.0.0.1:{port}/ping")
        for language in ECHO_LANGUAGES:
            port = free_port()
            argv = [sys.executable, "-m", "bench.asgi_echo", str(port), language]
            start(f"ASGI callable + {language} echo", argv, f"http://127.0.0.1:{port}/ping")
        port = free_port()
        steps = {lang: f"http://127.0.0.1:{port}{path}" for lang, path in API_PATHS.items()}
        steppe = stack.enter_context(server(steppe_argv(BENCH_PROJECT, port), steps["py"]))
        for lang, url in steps.items():
            targets[f"{lang} API step"] = (url, steppe.process.pid)
        yield targets


def measure(url: str, pid: int, seconds: float) -> dict[str, float]:
    """wrk at 1 connection: req/s, p50 µs, and CPU µs per request of the server process
    and of the rest of its tree (its runners)."""
    tree = process_tree(pid)
    before = cpu_of(tree)
    figures = wrk(url, 1, seconds)
    after = cpu_of(tree)
    requests = max(1, figures["requests"])
    runners = sum(after[p] - before[p] for p in tree if p != pid)
    return {
        "rps": figures["rps"],
        "p50_us": (figures["p50_ms"] or 0.0) * 1000,
        "server_cpu_us": (after[pid] - before[pid]) / requests * 1e6,
        "runner_cpu_us": runners / requests * 1e6,
    }


def onecon_figures(seconds: float, rounds: int) -> dict[str, dict[str, float]]:
    """Each target's medians over `rounds` rounds, the targets one after the other in
    each round."""
    with _targets() as targets:
        for url, _ in targets.values():
            served(url, *WARM_UP)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(rounds):
            for name, (url, pid) in targets.items():
                runs[name].append(measure(url, pid, seconds))
    return {name: median_of_runs(figures) for name, figures in runs.items()}


def onecon_markdown(figures: dict[str, dict[str, float]]) -> list[str]:
    floor = figures["bare ASGI callable"]["rps"]
    return table(
        ("target (1 connection)", "req/s", "vs bare ASGI", "p50 µs", "server CPU µs/req",
         "runner CPU µs/req"),
        (
            (name, f"{f['rps']:,.0f}", f"{f['rps'] / floor:.0%}", f"{f['p50_us']:.0f}",
             f"{f['server_cpu_us']:.0f}", f"{f['runner_cpu_us']:.0f}")
            for name, f in figures.items()
        ),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.onecon")
    parser.add_argument("--seconds", type=float, default=3.0, help="of wrk per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(onecon_markdown(onecon_figures(args.seconds, args.rounds))))


if __name__ == "__main__":
    main()

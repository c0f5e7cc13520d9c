"""`python -m bench [--quick] [--only SECTION …]`: run the benchmarks, print a table,
write bench/results/latest.json and bench/results/latest.md.

Every figure is the median of several runs; every ratio divides two figures
measured in this same run on this same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.breakdown import breakdown_markdown, run_breakdown
from bench.chain import PRODUCERS, chain_figures, chain_latency
from bench.fifo import GROUPS, fifo_figures
from bench.http import api_figures, cold_start
from bench.invoke import paired_figures
from bench.motia import motia_markdown, run_motia
from bench.otel import otel_figures, otel_markdown
from bench.projects import EXAMPLE_PROJECT
from bench.redis import redis_markdown, run_redis
from bench.report import at_most, table
from bench.stats import median, median_of_runs
from bench.streams import run_streams, streams_markdown
from orchestrator.runtime.languages import LANGUAGES

RESULTS = Path(__file__).parent / "results"
SECTIONS = (
    "invoke", "api", "chain", "fifo", "coldstart", "motia", "breakdown", "streams", "otel",
    "redis",
)  # fmt: skip
console = Console()


def _median(runs: int, measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    return median_of_runs([measure() for _ in range(runs)])


def run_invoke(quick: bool) -> dict[str, Any]:
    count, seconds, runs = (500, 1.0, 2) if quick else (3000, 3.0, 3)
    out: dict[str, Any] = {}
    for language in LANGUAGES:
        # Echo and invoke measured side by side, call for call (`paired_figures`); the
        # ratio is the median of the runs' own.
        pairs = [trio.run(paired_figures, language, count, seconds) for _ in range(runs)]
        out[language] = {
            "echo": median_of_runs([pair["echo"] for pair in pairs]),
            "invoke": median_of_runs([pair["invoke"] for pair in pairs]),
            "p50_ratio": median(
                [pair["invoke"]["p50_us"] / pair["echo"]["p50_us"] for pair in pairs]
            ),
        }
    return out


API_CONNECTIONS = (1, 32)


def run_api(quick: bool) -> dict[str, Any]:
    seconds, rounds = (1, 1) if quick else (3, 3)
    conns = [str(c) for c in API_CONNECTIONS]
    measured = api_figures(API_CONNECTIONS, seconds, rounds)
    out: dict[str, Any] = {"bare": {}, "asgi": {}}
    for lang in measured[0].pairs:
        out[lang] = {}
        for c in conns:
            pairs = [m.pairs[lang][c] for m in measured]
            # The median of the pairs' own ratios: both figures of a ratio are seconds
            # apart, whatever the machine did between pairs.
            ratio = median([p["step"]["rps"] / p["bare"]["rps"] for p in pairs])
            to_asgi = median(
                [p["step"]["rps"] / m.asgi[c]["rps"] for p, m in zip(pairs, measured, strict=True)]
            )
            out[lang][c] = median_of_runs([p["step"] for p in pairs]) | {
                "ratio_to_bare": ratio,
                "ratio_to_asgi": to_asgi,
            }
    for c in conns:
        every_bare = [by_lang[c]["bare"] for m in measured for by_lang in m.pairs.values()]
        out["bare"][c] = median_of_runs(every_bare)
        out["asgi"][c] = median_of_runs([m.asgi[c] for m in measured])
    return out


def run_chain(quick: bool) -> dict[str, Any]:
    chains, samples, runs = (1000, 100, 1) if quick else (5000, 300, 3)
    out: dict[str, Any] = {}
    for state in ("memory", "sqlite"):
        out[state] = _median(runs, lambda s=state: trio.run(chain_figures, s, chains))
        one = _median(runs, lambda s=state: trio.run(chain_figures, s, chains, 1))
        out[state]["one_producer_events_per_s"] = one["events_per_s"]
        latency = _median(runs, lambda s=state: trio.run(chain_latency, s, samples))
        out[state] |= {f"latency_{key}": value for key, value in latency.items()}
    return out


def run_fifo(quick: bool) -> dict[str, Any]:
    events, runs = (2000, 1) if quick else (10000, 3)
    return {
        store: _median(runs, lambda s=store: trio.run(fifo_figures, s, events))
        for store in ("memory", "sqlite")
    }


def run_coldstart(quick: bool) -> dict[str, Any]:
    runs = 1 if quick else 3
    return _median(runs, lambda: {"seconds": cold_start(EXAMPLE_PROJECT, "/openapi.json")})


RUNNERS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "invoke": run_invoke,
    "api": run_api,
    "chain": run_chain,
    "fifo": run_fifo,
    "coldstart": run_coldstart,
    "motia": run_motia,
    "breakdown": run_breakdown,
    "streams": run_streams,
    "otel": otel_figures,
    "redis": run_redis,
}


def markdown(results: dict[str, Any]) -> str:
    lines = [f"Measured {results['date']} on {results['machine']} with `{results['command']}`.", ""]
    invoke = results.get("invoke")
    if invoke:
        lines += table(
            ("language", "echo p50 µs", "invoke p50 µs", "invoke p99 µs", "p50 ratio",
             "runner CPU per echo / invoke µs", "invokes/s"),
            (
                (lang, f"{f['echo']['p50_us']:.0f}", f"{f['invoke']['p50_us']:.0f}",
                 f"{f['invoke']['p99_us']:.0f}", f"{f['p50_ratio']:.2f}",
                 f"{f['echo']['runner_cpu_us']:.1f} / {f['invoke']['runner_cpu_us']:.1f}",
                 f"{f['invoke']['per_s']:,.0f}")
                for lang, f in invoke.items()
            ),
        )  # fmt: skip
    api = results.get("api")
    if api:
        lines += table(
            ("target", "conns", "req/s", "p50 ms", "p99 ms", "vs bare Quart route",
             "vs bare ASGI"),
            (
                (target, conns, f"{f['rps']:,.0f}", f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}",
                 f"{f['ratio_to_bare']:.0%}" if "ratio_to_bare" in f else "—",
                 f"{f['ratio_to_asgi']:.0%}" if "ratio_to_asgi" in f else "—")
                for target, by_conn in api.items()
                for conns, f in by_conn.items()
            ),
        )  # fmt: skip
    chain = results.get("chain")
    if chain:
        lines += table(
            ("chain state", f"events/s ({PRODUCERS} producers)", "chains/s",
             f"durable accept p50 / p99 ms ({PRODUCERS} producers)",
             "events/s (1 producer)", "POST → final state p50 ms", "p99 ms"),
            (
                (state, f"{f['events_per_s']:,.0f}", f"{f['chains_per_s']:,.0f}",
                 f"{at_most(f.get('accept_p50_ms'), 2)} / {at_most(f.get('accept_p99_ms'), 2)}",
                 f"{f['one_producer_events_per_s']:,.0f}", f"{f['latency_p50_ms']:.2f}",
                 f"{f['latency_p99_ms']:.2f}")
                for state, f in chain.items()
            ),
        )  # fmt: skip
    fifo = results.get("fifo")
    if fifo:
        lines += table(
            ("queue store", f"FIFO events/s ({GROUPS} groups)", "unordered events/s",
             "FIFO / unordered"),
            (
                (store, f"{f['fifo_events_per_s']:,.0f}", f"{f['standard_events_per_s']:,.0f}",
                 f"{f['ratio']:.2f}")
                for store, f in fifo.items()
            ),
        )  # fmt: skip
    lines += motia_markdown(results)
    lines += breakdown_markdown(results.get("breakdown"))
    lines += streams_markdown(results.get("streams"), results.get("motia"))
    lines += otel_markdown(results.get("otel"))
    lines += redis_markdown(results)
    if "coldstart" in results:
        seconds = results["coldstart"]["seconds"]
        lines.append(f"Cold start of the example project to the first 200: {seconds:.2f} s")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--quick", action="store_true", help="a one-minute subset (Motia only with --only)"
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS)
    args = parser.parse_args()
    if args.only is None:
        # Installing and measuring Motia alone takes minutes: not part of the quick subset.
        args.only = [s for s in SECTIONS if not (args.quick and s == "motia")]
    command = "make bench-quick" if args.quick else "make bench"
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "command": command,
    }
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("benchmarks", total=len(args.only))
        for section in args.only:
            progress.update(task, description=f"running {section}")
            results[section] = RUNNERS[section](args.quick)
            progress.advance(task)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (RESULTS / "latest.md").write_text(text)
    console.out(text, highlight=False)


if __name__ == "__main__":
    main()

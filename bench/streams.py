"""Stream fan-out: updates per second delivered to 100 WebSocket subscribers of one group,
and the time from `set` in a handler to receipt by a subscriber (p50/p99).

A TypeScript handler sets items as fast as it can (the burst: throughput, and latency
under queueing) and then at a steady pace (latency at a rate the server sustains). The
subscribers are Node `ws` clients in their own process (bench/streams_clients.cjs); the
handler stamps each item with the wall-clock time just before its `set`.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import trio

from bench.report import table
from bench.stats import median_of_runs
from orchestrator.model.settings import Settings
from orchestrator.wiring.server import open_services

CLIENTS_SCRIPT = Path(__file__).parent / "streams_clients.cjs"
SUBSCRIBERS = 100
STREAM, GROUP = "bench-ticks", "room"

_FILES = {
    "steps/bench-ticks.stream.ts": (
        "export const config = { name: 'bench-ticks', schema: { type: 'object' },\n"
        "  baseConfig: { storageType: 'default' } }\n"
    ),
    "steps/bench-ticks.step.ts": """
export const config = {
  type: 'api', name: 'BenchTicks', method: 'POST', path: '/bench/ticks', emits: [],
  // The burst shares the server's one thread with the fan-out, so it takes a while.
  infrastructure: { handler: { timeout: 300 } },
}

export const handler = async (req: any, { streams }: any) => {
  const { count, intervalMs } = req.body
  const ticks = streams['bench-ticks']
  for (let n = 0; n < count; n++) {
    if (intervalMs) await new Promise((resolve) => setTimeout(resolve, intervalMs))
    // Sixteen items: after the first sixteen sets, every set is an update.
    const sentAt = performance.timeOrigin + performance.now()
    await ticks.set('room', `tick-${n % 16}`, { n, sentAt })
  }
  return { status: 200, body: { count } }
}
""",
}


class _Lines:
    """Lines from a child's stdout, one at a time."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self._stream = stream
        self._buffer = b""

    async def next(self, timeout: float = 60) -> str:
        with trio.fail_after(timeout):
            while b"\n" not in self._buffer:
                chunk = await self._stream.receive_some()
                if not chunk:
                    raise RuntimeError("the subscriber process ended early (see its stderr)")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()


async def stream_figures(
    state: str,
    burst: int,
    paced: int,
    interval_ms: float,
    *,
    deflate: bool = True,
    subscribers: int = SUBSCRIBERS,
) -> dict[str, float]:
    with TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for relative, text in _FILES.items():
            (project / relative).parent.mkdir(parents=True, exist_ok=True)
            (project / relative).write_text(text)
        settings = replace(Settings(), port=0, state=state, queue="memory")
        async with (
            open_services(project, settings, "start", console_level="error") as services,
            httpx.AsyncClient(base_url=services.url, timeout=120) as http,
        ):
            ws_url = services.url.replace("http://", "ws://", 1) + "/"
            command = ["node", str(CLIENTS_SCRIPT), ws_url, STREAM, GROUP, str(subscribers)]
            process = await trio.lowlevel.open_process(
                command if deflate else [*command, "no-deflate"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            assert process.stdin is not None and process.stdout is not None
            lines = _Lines(process.stdout)
            try:
                if await lines.next() != "ready":
                    raise RuntimeError("the subscribers did not all join")

                async def phase(count: int, every_ms: float) -> dict[str, Any]:
                    assert process.stdin is not None
                    await process.stdin.send_all(f"{count}\n".encode())
                    if await lines.next() != "armed":
                        raise RuntimeError("the subscribers did not take the phase")
                    body = {"count": count, "intervalMs": every_ms}
                    answer = await http.post("/bench/ticks", json=body)
                    answer.raise_for_status()
                    result: dict[str, Any] = json.loads(await lines.next())
                    if result["received"] != count * subscribers:
                        raise RuntimeError(f"{result['received']} of {count * subscribers} arrived")
                    return result

                burst_result = await phase(burst, 0)
                paced_result = await phase(paced, interval_ms)
            finally:
                await process.stdin.aclose()
                with trio.move_on_after(5):
                    await process.wait()
                process.kill()
    seconds = (burst_result["last"] - burst_result["first"]) / 1000
    return {
        "updates_per_s": burst / seconds,
        "deliveries_per_s": burst * subscribers / seconds,
        "burst_p50_ms": burst_result["p50_ms"],
        "burst_p99_ms": burst_result["p99_ms"],
        "paced_per_s": 1000 / interval_ms,
        "p50_ms": paced_result["p50_ms"],
        "p99_ms": paced_result["p99_ms"],
    }


# (label, store, whether the clients offer permessage-deflate). Browsers offer it and
# Hypercorn always accepts it, so it is the usual case; the last row shows what it costs.
VARIANTS = (
    ("sqlite", "sqlite", True),
    ("memory", "memory", True),
    ("sqlite, no deflate", "sqlite", False),
)


def run_streams(quick: bool) -> dict[str, Any]:
    # The steady phase runs at 50 updates/s: well under what the burst shows the server
    # sustains, so its latency is the path's, not a queue's.
    burst, paced, interval_ms, runs = (300, 50, 20.0, 1) if quick else (1000, 200, 20.0, 3)

    def once(state: str, deflate: bool) -> dict[str, float]:
        figures: dict[str, float] = trio.run(
            partial(stream_figures, state, burst, paced, interval_ms, deflate=deflate)
        )
        return figures

    return {
        label: median_of_runs([once(state, deflate) for _ in range(runs)])
        for label, state, deflate in VARIANTS
    }


def streams_markdown(streams: dict[str, Any] | None) -> list[str]:
    if not streams:
        return []
    intro = (
        f"Streams: one group, {SUBSCRIBERS} WebSocket subscribers (Node `ws` clients); latency "
        "is from `set` in a TypeScript handler to receipt by a subscriber."
    )
    return [
        intro,
        "",
        *table(
            ("store", "updates/s (burst)", "messages/s out", "burst p50 / p99 ms",
             "steady updates/s", "p50 ms", "p99 ms"),
            (
                (label, f"{f['updates_per_s']:,.0f}", f"{f['deliveries_per_s']:,.0f}",
                 f"{f['burst_p50_ms']:.1f} / {f['burst_p99_ms']:.1f}", f"{f['paced_per_s']:.0f}",
                 f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}")
                for label, f in streams.items()
            ),
        ),
    ]  # fmt: skip

"""Stream fan-out: updates per second delivered to 100 WebSocket subscribers of one group,
and the time from `set` in a handler to receipt by a subscriber (p50/p99).

A TypeScript handler sets items as fast as it can (the burst: throughput, and latency
under queueing) and then at a steady pace (latency at a rate the server sustains). The
subscribers are Node `ws` clients in their own process (bench/streams_clients.cjs); the
handler stamps each item with the wall-clock time just before its `set`.

Beside Steppe: the floor of ASGI on Hypercorn, a bare server sending every message to
every subscriber with one `websocket.send` (bench/bare_ws.py; its producer does not wait
for a round trip per update, so its burst latency is a queue's), and, when the `motia`
section ran too, Motia's stream server measured the same way. The last column is this
process's CPU time per message sent, which is the server's when it runs in-process.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import trio

from bench.bare_ws import bare_fanout
from bench.report import table
from bench.stats import median_of_runs
from orchestrator.model.settings import Settings
from orchestrator.wiring.server import open_services

CLIENTS_SCRIPT = Path(__file__).parent / "streams_clients.cjs"
SUBSCRIBERS = 100
STREAM, GROUP = "bench-ticks", "room"

_HANDLER = """
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
"""
_CONFIG = "  type: 'api', name: 'BenchTicks', method: 'POST', path: '/bench/ticks', emits: [],\n"

FILES = {
    "steps/bench-ticks.stream.ts": (
        "export const config = { name: 'bench-ticks', schema: { type: 'object' },\n"
        "  baseConfig: { storageType: 'default' } }\n"
    ),
    "steps/bench-ticks.step.ts": (
        "export const config = {\n"
        + _CONFIG
        + "  // The burst shares the server's one thread with the fan-out, so it takes a while.\n"
        "  infrastructure: { handler: { timeout: 300 } },\n}\n" + _HANDLER
    ),
}
MOTIA_FILES = {
    # Motia 0.2 wants a zod schema, and refuses config keys it does not know.
    "steps/bench-ticks.stream.ts": (
        "import { z } from 'zod'\n\nexport const config = { name: 'bench-ticks',\n"
        "  schema: z.object({ n: z.number(), sentAt: z.number() }),\n"
        "  baseConfig: { storageType: 'default' } }\n"
    ),
    "steps/bench-ticks.step.ts": "export const config = {\n" + _CONFIG + "}\n" + _HANDLER,
}
"""The same stream and handler for the Motia comparison (bench/motia.py), served by both."""


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


STEADY_INTERVAL_MS = 20.0
"""The steady phase runs at 50 updates/s: well under what the burst shows the server
sustains, so its latency is the path's, not a queue's."""


def phases(quick: bool) -> tuple[int, int]:
    """Updates in the burst and in the steady phase."""
    return (300, 50) if quick else (1000, 200)


Trigger = Callable[[int, float], Awaitable[None]]
"""Makes `count` updates, one every `intervalMs` (0: as fast as they go), and returns
once they are all made."""


async def subscriber_figures(
    url: str,
    trigger: Trigger,
    burst: int,
    paced: int,
    interval_ms: float,
    *,
    offer_deflate: bool = True,
    subscribers: int = SUBSCRIBERS,
) -> dict[str, float]:
    """Join `subscribers` clients to the group at `url` (http://), then a burst and a paced
    phase made by `trigger`: what the clients measured."""
    ws_url = url.replace("http://", "ws://", 1) + "/"
    command = ["node", str(CLIENTS_SCRIPT), ws_url, STREAM, GROUP, str(subscribers)]
    process = await trio.lowlevel.open_process(
        command if offer_deflate else [*command, "no-deflate"],
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
            cpu = time.process_time()
            await trigger(count, every_ms)
            result: dict[str, Any] = json.loads(await lines.next())
            result["cpu_s"] = time.process_time() - cpu
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
        # This process's CPU time per message of the burst: the server's when it runs
        # here (Steppe's section, the floor); meaningless for a server of its own.
        "cpu_us_per_message": burst_result["cpu_s"] * 1e6 / (burst * subscribers),
    }


def posting_ticks(http: httpx.AsyncClient, path: str = "/bench/ticks") -> Trigger:
    """A trigger that POSTs `{count, intervalMs}` to `path` (the bench's handler)."""

    async def trigger(count: int, interval_ms: float) -> None:
        answer = await http.post(path, json={"count": count, "intervalMs": interval_ms})
        answer.raise_for_status()

    return trigger


def write_project(project: Path) -> None:
    """The stream and the step that sets its items (Motia runs the same files)."""
    for relative, text in FILES.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text)


async def stream_figures(
    state: str, burst: int, paced: int, interval_ms: float, *, deflate: bool = False
) -> dict[str, float]:
    """Steppe's figures; `deflate`: the `stream_deflate` setting (the clients offer it)."""
    with TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        write_project(project)
        settings = replace(Settings(), port=0, state=state, queue="memory", stream_deflate=deflate)
        async with (
            open_services(project, settings, "start", console_level="error") as services,
            httpx.AsyncClient(base_url=services.url, timeout=120) as http,
        ):
            return await subscriber_figures(
                services.url, posting_ticks(http), burst, paced, interval_ms
            )


async def bare_figures(burst: int, paced: int, interval_ms: float) -> dict[str, float]:
    """The floor's figures (bench/bare_ws.py), its clients without deflate like Steppe's."""
    async with bare_fanout() as url, httpx.AsyncClient(base_url=url, timeout=120) as http:
        return await subscriber_figures(
            url, posting_ticks(http), burst, paced, interval_ms, offer_deflate=False
        )


# (label, store, the `stream_deflate` setting). The clients offer permessage-deflate as
# browsers do; the server agrees only with `stream_deflate = true`.
VARIANTS = (
    ("sqlite", "sqlite", False),
    ("memory", "memory", False),
    ("sqlite, stream_deflate", "sqlite", True),
)
FLOOR = "bare Hypercorn fan-out (floor)"


def run_streams(quick: bool) -> dict[str, Any]:
    (burst, paced), interval_ms = phases(quick), STEADY_INTERVAL_MS
    runs = 1 if quick else 3

    def once(state: str, deflate: bool) -> dict[str, float]:
        figures: dict[str, float] = trio.run(
            partial(stream_figures, state, burst, paced, interval_ms, deflate=deflate)
        )
        return figures

    def floor() -> dict[str, float]:
        figures: dict[str, float] = trio.run(bare_figures, burst, paced, interval_ms)
        return figures

    out = {
        label: median_of_runs([once(state, deflate) for _ in range(runs)])
        for label, state, deflate in VARIANTS
    }
    out[FLOOR] = median_of_runs([floor() for _ in range(runs)])
    return out


def streams_markdown(streams: dict[str, Any] | None, motia: dict[str, Any] | None) -> list[str]:
    """The section's table; with the `motia` section's stream figures beside it (Motia,
    and Steppe on the same generated project) when that ran too."""
    if not streams:
        return []
    streams = dict(streams)
    for name, label in (("motia", "Motia (`motia dev`), motia section"),
                        ("steppe", "Steppe (`steppe start`), motia section")):  # fmt: skip
        figures = (motia or {}).get(name, {}).get("streams")
        if figures and "error" not in figures:
            streams[label] = figures
    intro = (
        f"Streams: one group, {SUBSCRIBERS} WebSocket subscribers (Node `ws` clients); latency "
        "is from `set` in a TypeScript handler to receipt by a subscriber."
    )
    return [
        intro,
        "",
        *table(
            ("server, store", "updates/s (burst)", "messages/s out", "burst p50 / p99 ms",
             "steady updates/s", "p50 ms", "p99 ms", "server CPU µs / message"),
            (
                (label, f"{f['updates_per_s']:,.0f}", f"{f['deliveries_per_s']:,.0f}",
                 f"{f['burst_p50_ms']:.1f} / {f['burst_p99_ms']:.1f}", f"{f['paced_per_s']:.0f}",
                 f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}",
                 f"{f['cpu_us_per_message']:.1f}" if "cpu_us_per_message" in f else "—")
                for label, f in streams.items()
            ),
        ),
    ]  # fmt: skip

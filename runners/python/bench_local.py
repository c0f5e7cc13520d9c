"""Measure the Python runner from a separate client process.

    python runners/python/bench_local.py [--count 100000] [--rounds 3000]

1. Throughput: `count` invocations of an empty `async def` handler, pipelined
   (written by one thread while another reads the answers).
2. Latency: `rounds` single round trips, one at a time, of the same invoke frame,
   to the runner and to the echo program (the floor: reading and batching only).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from steppe_runner.framing import FrameDecoder, encode

HERE = Path(__file__).resolve().parent
EMPTY_STEP = """\
config = {"type": "event", "name": "Empty", "subscribes": ["empty"], "emits": []}


async def handler(input, context):
    return None
"""


class Peer:
    """A runner or echo process with its protocol pipes."""

    def __init__(self, args: list[str], project: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(HERE)}
        self.process = subprocess.Popen(
            [sys.executable, *args], cwd=project, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )  # fmt: skip
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout
        self.decoder = FrameDecoder()

    def frames(self) -> Any:
        """Yield frames as they arrive."""
        assert self.stdout is not None
        while chunk := self.stdout.read1(1 << 20):
            yield from self.decoder.feed(chunk)

    def send(self, data: bytes) -> None:
        assert self.stdin is not None
        self.stdin.write(data)
        self.stdin.flush()

    def close(self) -> None:
        assert self.stdin is not None
        self.stdin.close()
        self.process.wait(timeout=10)


def invoke_frame(request_id: int, path: str) -> bytes:
    params = {
        "iid": request_id,
        "path": path,
        "input": {"n": request_id},
        "ctx": {"traceId": "t", "step": "Empty", "flows": []},
    }
    return encode({"t": "req", "id": request_id, "m": "invoke", "p": params})


def start_runner(project: Path, path: str) -> tuple[Peer, Any]:
    runner = Peer(["-m", "steppe_runner", "--project", str(project)], project)
    frames = runner.frames()
    assert next(frames)["m"] == "ready"
    runner.send(encode({"t": "req", "id": 0, "m": "load", "p": {"path": path}}))
    loaded = next(frames)
    assert loaded["ok"], loaded
    return runner, frames


def throughput(project: Path, path: str, count: int) -> float:
    runner, frames = start_runner(project, path)
    payload = b"".join(invoke_frame(i, path) for i in range(1, count + 1))

    def write() -> None:
        for start in range(0, len(payload), 1 << 16):
            runner.send(payload[start : start + (1 << 16)])

    started = time.perf_counter()
    writer = threading.Thread(target=write)
    writer.start()
    for answered, frame in enumerate(frames, 1):
        assert frame["t"] == "res" and frame["ok"], frame
        if answered == count:
            break
    elapsed = time.perf_counter() - started
    writer.join()
    runner.close()
    return count / elapsed


def latency(peers: list[tuple[Peer, Any]], path: str, rounds: int) -> list[float]:
    """Median round trip of each peer in microseconds. The peers take turns, so noise
    from the machine (two cores shared with the client) falls on both alike."""
    samples: list[list[float]] = [[] for _ in peers]
    for i in range(1, rounds + 1):
        frame = invoke_frame(i, path)
        for (peer, frames), times in zip(peers, samples, strict=True):
            started = time.perf_counter()
            peer.send(frame)
            answer = next(frames)
            times.append(time.perf_counter() - started)
            assert answer["id"] == i, answer
    return [statistics.median(times[rounds // 10 :]) * 1e6 for times in samples]  # no warm-up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        step = project / "empty.step.py"
        step.write_text(EMPTY_STEP)
        path = str(step)
        rate = throughput(project, path, args.count)
        print(f"pipelined empty async invocations: {rate:,.0f}/s ({args.count:,} calls)")
        echo = Peer(["-m", "steppe_runner.echo"], project)
        runner, frames = start_runner(project, path)
        echo_p50, runner_p50 = latency([(echo, echo.frames()), (runner, frames)], path, args.rounds)
        echo.close()
        runner.close()
        print(f"round trip p50: echo {echo_p50:.1f} µs, runner {runner_p50:.1f} µs")
        print(f"runner / echo: {runner_p50 / echo_p50:.2f}x")


if __name__ == "__main__":
    main()

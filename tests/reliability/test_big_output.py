"""Big or endless output (issue 15, item 4), through the real server and real runners.

A handler that prints one 50 MB line, in any language, stalls no other step, leaves
the orchestrator's memory where it was, and shows in the log API as a line cut at
64 KiB with a marker saying how much was cut, in pages of at most 5 MB. So does a
runner writing 50 MB straight to its stderr pipe.

Motia caps none of it: each chunk a step's process prints becomes a log entry
(packages/core/src/call-step-file.ts, `onStdout`/`onStderr`), passed on whole by its
logger (packages/core/src/logger.ts); each step there runs in a process of its own,
so the output of one does not queue the calls of another. Steppe's runners are shared
by every step of a language, which is why the text is cut before it is sent.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import trio

from tests.helpers import serving

SIZE = 50_000_000
MARKER = "… [truncated 49,934,528 bytes]"  # 50,000,000 less the 65,472 bytes kept
PAGE_LIMIT = 5_000_000
LATENCY_BOUND = 1.0

STEPS = {
    "steps/big.step.js": (
        "exports.config = { type: 'api', name: 'BigNode', method: 'GET', path: '/big/node' }\n"
        "exports.handler = async () => {\n"
        f"  console.log('x'.repeat({SIZE}))\n"
        "  return { status: 200, body: 'printed' }\n}\n"
    ),
    "steps/big_step.py": (
        "config = {'type': 'api', 'name': 'BigPython', 'method': 'GET', 'path': '/big/python'}\n\n"
        "async def handler(req, context):\n"
        f"    print('x' * {SIZE})\n"
        "    return {'status': 200, 'body': 'printed'}\n"
    ),
    "steps/big.step.rb": (
        "def config\n  { type: 'api', name: 'BigRuby', method: 'GET', path: '/big/ruby' }\nend\n"
        f"def handler(req, ctx)\n  puts 'x' * {SIZE}\n"
        "  { status: 200, body: 'printed' }\nend\n"
    ),
    # Straight to fd 2, past the runner's capture: the orchestrator's stderr reader.
    "steps/raw_step.py": (
        "import os\n\n"
        "config = {'type': 'api', 'name': 'RawStderr', 'method': 'GET', 'path': '/big/stderr'}\n\n"
        "def handler(req, context):  # a plain def: a worker thread, the loop serves on\n"
        f"    view = memoryview(b'x' * {SIZE} + b'\\n')\n"
        "    while view:\n"
        "        view = view[os.write(2, view):]\n"
        "    return {'status': 200, 'body': 'printed'}\n"
    ),
    "steps/ok.step.js": (
        "exports.config = { type: 'api', name: 'OkNode', method: 'GET', path: '/ok/node' }\n"
        "exports.handler = async () => ({ status: 200, body: 'ok' })\n"
    ),
    "steps/ok_step.py": (
        "config = {'type': 'api', 'name': 'OkPython', 'method': 'GET', 'path': '/ok/python'}\n\n"
        "async def handler(req, context):\n"
        "    print('a small line')\n"
        "    return {'status': 200, 'body': 'ok'}\n"
    ),
    "steps/ok.step.rb": (
        "def config\n  { type: 'api', name: 'OkRuby', method: 'GET', path: '/ok/ruby' }\nend\n"
        "def handler(req, ctx)\n  { status: 200, body: 'ok' }\nend\n"
    ),
}
BIG = {
    "/big/node": "BigNode",
    "/big/python": "BigPython",
    "/big/ruby": "BigRuby",
    "/big/stderr": "python runner",
}
OK = ("/ok/node", "/ok/python", "/ok/ruby")


@pytest.fixture
def dev_server(make_project: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[int, str]]:
    """`steppe dev` on the project, as a user runs it (its console, at `info`, in a
    file): its pid and URL."""
    root = make_project(STEPS | {"steppe.toml": "state = 'memory'\nqueue = 'memory'\n"})
    console_path = tmp_path / "console.txt"
    with console_path.open("w") as console:
        server = subprocess.Popen(
            [sys.executable, "-m", "orchestrator", "dev", "--dir", str(root), "--port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=console,
        )
        try:
            yield server.pid, _served_url(console_path, server)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _served_url(console: Path, server: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for line in console.read_text(errors="replace").splitlines():
            if "Steppe is serving" in line:
                return line.split("serving", 1)[1].strip()
        if server.poll() is not None:
            raise AssertionError(f"the server exited: {console.read_text()}")
        time.sleep(0.05)
    raise AssertionError("the server did not start")


async def slowest_probe_while(client: httpx.AsyncClient, path: str) -> tuple[float, int]:
    """Call `path`; meanwhile call the other steps one after another. The slowest of
    those calls (seconds) and how many there were."""
    latencies: list[float] = []
    done = trio.Event()

    async def big() -> None:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(big)
        n = 0
        while not done.is_set():
            began = trio.current_time()
            response = await client.get(OK[n % len(OK)])
            latencies.append(trio.current_time() - began)
            assert response.status_code == 200, response.text
            n += 1
    return max(latencies), len(latencies)


async def test_a_50_mb_line_stalls_no_other_step_and_reads_back_cut(
    dev_server: tuple[int, str],
) -> None:
    _, url = dev_server
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for path in OK:  # every runner warm
            assert (await client.get(path)).status_code == 200
        for path in BIG:
            slowest, probes = await slowest_probe_while(client, path)
            assert probes >= 2, f"{path}: too quick to show anything"
            assert slowest <= LATENCY_BOUND, f"{path}: another step waited {slowest:.2f}s"

        response = await client.get("/__steppe/api/logs")
        assert response.status_code == 200
        assert len(response.content) <= PAGE_LIMIT
        entries = response.json()
        for step in BIG.values():
            [cut] = [e for e in entries if e["step"] == step and MARKER in e["msg"]]
            assert cut["msg"] == "x" * (len(cut["msg"]) - len(MARKER)) + MARKER
            assert len(cut["msg"].encode()) <= 64 * 1024

        # The next page, older than the first entry of this one, and one trace's entries.
        older = await client.get("/__steppe/api/logs", params={"before": entries[0]["seq"]})
        assert all(e["seq"] < entries[0]["seq"] for e in older.json())
        newest = await client.get("/__steppe/api/logs", params={"limit": 2})
        assert [e["seq"] for e in newest.json()] == [e["seq"] for e in entries[-2:]]
        [big_python] = [e for e in entries if e["step"] == "BigPython" and MARKER in e["msg"]]
        trace = big_python["traceId"]
        of_trace = (await client.get("/__steppe/api/logs", params={"traceId": trace})).json()
        assert {e["traceId"] for e in of_trace} == {trace}
        assert big_python in of_trace


def vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def test_the_orchestrators_memory_returns_after_the_burst(dev_server: tuple[int, str]) -> None:
    pid, url = dev_server
    with httpx.Client(base_url=url, timeout=60) as client:
        # Warm: every runner, the access log, the log API's encoder.
        for _ in range(20):
            for path in OK:
                assert client.get(path).status_code == 200
        assert client.get("/__steppe/api/logs").status_code == 200
        time.sleep(0.5)
        before = vm_rss_kib(pid)
        for path in BIG:
            assert client.get(path).status_code == 200
        time.sleep(0.5)
        after = vm_rss_kib(pid)
        assert after <= before * 1.10, f"RSS {before} KiB before, {after} KiB after"
        logs = client.get("/__steppe/api/logs")
        assert len(logs.content) <= PAGE_LIMIT
        assert logs.text.count(MARKER) == len(BIG)


THROWS = {
    "steps/throws_step.py": (
        "config = {'type': 'api', 'name': 'Throws', 'method': 'GET', 'path': '/throws'}\n\n"
        "async def handler(req, context):\n"
        "    raise ValueError('e' * 5_000_000)\n"
    ),
    "steps/ok_step.py": STEPS["steps/ok_step.py"],
}


async def test_a_trace_too_big_for_a_page_reads_back_cut_and_traces_page_by_id(
    make_project: Callable[..., Path],
) -> None:
    """A span's error holds what the handler threw, whatever its size: the trace
    answers within a page, its error cut as log messages are."""
    async with serving(make_project(THROWS)) as (_services, client):
        threw = await client.get("/throws")
        assert threw.status_code == 500
        trace_id = threw.headers["x-trace-id"]
        oks = [(await client.get("/ok/python")).headers["x-trace-id"] for _ in range(3)]

        response = await client.get(f"/__steppe/api/traces/{trace_id}")
        assert len(response.content) <= PAGE_LIMIT
        trace = response.json()
        assert trace["spansOmitted"] == 0
        [span] = trace["spans"]
        assert span["error"]["name"] == "ValueError"
        assert span["error"]["message"].endswith("… [truncated 4,934,528 bytes]")

        listed = await client.get("/__steppe/api/traces", params={"limit": 2})
        assert [t["traceId"] for t in listed.json()] == [oks[2], oks[1]]
        older = await client.get("/__steppe/api/traces", params={"before": oks[1]})
        assert [t["traceId"] for t in older.json()] == [oks[0], trace_id]
        assert len(older.content) <= PAGE_LIMIT

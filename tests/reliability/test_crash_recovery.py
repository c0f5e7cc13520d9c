"""No accepted event is lost: SIGKILL a runner, or the orchestrator itself, while 1,000
deliveries across four languages are in flight; every one is handled at least once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from tests.helpers import serving, wait_for
from tests.started_server import call, free_port, start

EVENTS = 250  # x 4 subscribing steps = 1,000 deliveries
LANGS = ("ts", "js", "py", "rb")

PROJECT = {
    "steps/burst.step.py": f"""
config = {{"type": "api", "name": "Burst", "method": "POST", "path": "/burst", "emits": ["work"]}}

async def handler(req, context):
    for n in range({EVENTS}):
        await context.emit({{"topic": "work", "data": {{"n": n}}}})
    return {{"status": 202, "body": {{"emitted": {EVENTS}}}}}
""",
    "steps/work.step.ts": """
export const config = { type: 'event', name: 'WorkTs', subscribes: ['work'], emits: [],
  input: { n: 'number' }, infrastructure: { queue: { concurrency: 8 } } }
export const handler = async (input: { n: number }, { state }: any) => {
  await new Promise((resolve) => setTimeout(resolve, 30))
  await state.set('done-ts', String(input.n), true)
}
""",
    "steps/work.step.js": """
exports.config = { type: 'event', name: 'WorkJs', subscribes: ['work'], emits: [],
  input: { n: 'number' }, infrastructure: { queue: { concurrency: 8 } } }
exports.handler = async (input, { state }) => {
  await new Promise((resolve) => setTimeout(resolve, 30))
  await state.set('done-js', String(input.n), true)
}
""",
    "steps/work.step.py": """
import asyncio
config = {"type": "event", "name": "WorkPy", "subscribes": ["work"], "emits": [],
          "input": {"n": "number"}, "infrastructure": {"queue": {"concurrency": 8}}}

async def handler(data, context):
    await asyncio.sleep(0.03)
    await context.state.set("done-py", str(data["n"]), True)
""",
    "steps/work.step.rb": """
def config
  { type: 'event', name: 'WorkRb', subscribes: ['work'], emits: [],
    input: { n: 'number' }, infrastructure: { queue: { concurrency: 8 } } }
end

def handler(input, context)
  sleep 0.03
  context.state.set('done-rb', input['n'].to_s, true)
end
""",
}

TOKEN = "crash-test-token-not-a-secret"


def _get(url: str) -> Any:
    return call(url, TOKEN)


def _handled(base: str) -> dict[str, int]:
    return {lang: len(_get(f"{base}/__steppe/api/state/done-{lang}")) for lang in LANGS}


def _start(project: Path, port: int) -> subprocess.Popen[bytes]:
    return start(project, port, TOKEN)


def test_sigkill_of_the_orchestrator_loses_no_accepted_event(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(PROJECT)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(project, port)
    try:
        request = urllib.request.Request(f"{base}/burst", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 202  # 1,000 deliveries accepted: durable from here on
        deadline = time.monotonic() + 30
        while sum(_handled(base).values()) < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        before_kill = _handled(base)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
    assert sum(before_kill.values()) < EVENTS * len(LANGS), "killed too late to prove anything"

    second = _start(project, port)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            handled = _handled(base)
            if all(count == EVENTS for count in handled.values()):
                break
            time.sleep(0.1)
        assert handled == {lang: EVENTS for lang in LANGS}, handled
        assert _get(f"{base}/__steppe/api/dlq") == []
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0


async def test_sigkill_of_each_runner_during_the_burst_loses_nothing(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(PROJECT)
    async with serving(project, queue="sqlite", state="sqlite") as (services, client):
        response = await client.post("/burst", json={})
        assert response.status_code == 202
        pool = services.runtime.pool
        for language in ("node", "python", "ruby"):
            await trio.sleep(0.05)
            pid = pool.supervisor(language).pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)

        async def all_handled() -> bool:
            counts = [len(await services.env.state.get_group(f"done-{lang}")) for lang in LANGS]
            return counts == [EVENTS] * len(LANGS)

        await wait_for(all_handled, timeout=60)
        await services.bus.wait_idle()
        assert await services.bus.store.dead_letters() == []
        assert await services.bus.store.pending() == []


SLOW_PROJECT = {
    "steps/slow.step.py": """
import asyncio
config = {"type": "event", "name": "Slow", "subscribes": ["slow"], "emits": [],
          "infrastructure": {"queue": {"concurrency": 1}}}

async def handler(data, context):
    await context.state.set("started", str(data["n"]), True)
    await asyncio.sleep(1.0)
    await context.state.set("finished", str(data["n"]), True)
""",
}


def test_sigterm_lets_in_flight_handlers_finish_and_keeps_the_rest_queued(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(SLOW_PROJECT)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(project, port)
    for n in range(3):
        body = json.dumps({"topic": "slow", "data": {"n": n}}).encode()
        request = urllib.request.Request(
            f"{base}/__steppe/api/emit",
            data=body,
            method="POST",
            headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()
    deadline = time.monotonic() + 10
    while not _get(f"{base}/__steppe/api/state/started") and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGTERM)
    assert first.wait(30) == 0
    with sqlite3.connect(project / ".steppe" / "state.db") as db:
        rows = db.execute("SELECT group_name, key FROM state ORDER BY group_name").fetchall()
    # The running handler finished during shutdown; the two queued events did not start.
    assert rows == [("finished", "0"), ("started", "0")]
    second = _start(project, port)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            finished = {e["key"] for e in _get(f"{base}/__steppe/api/state/finished")}
            if finished == {"0", "1", "2"}:
                break
            time.sleep(0.1)
        assert finished == {"0", "1", "2"}
        started = [e["key"] for e in _get(f"{base}/__steppe/api/state/started")]
        assert sorted(started) == ["0", "1", "2"]
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0

"""Runner liveness (issue 15, item 3), through the real server and real runners.

A runner whose event loop is blocked (`while (true) {}`) is replaced; a runner that
died is seen dead even while a process one of its steps forked holds its pipes open;
runners never outlive the orchestrator. In Motia each invocation is a child process of
its own, watched through its 'close' event and killed at the step's timeout
(packages/core/src/call-step-file.ts, packages/core/src/process-communication/
process-manager.ts), so one stuck handler stalls nothing else; Steppe's runners are
shared, which is why they are watched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import trio

from orchestrator.core.types import Language
from orchestrator.runtime import heartbeat
from tests.helpers import serving, wait_for

# Heartbeat timing for these tests: a wedged runner is found within about 1.25s rather
# than 12s. tests/runtime/test_heartbeat.py checks the real timing against the 15s target.
INTERVAL = 0.25
MISSES = 4
FOUND_WITHIN = INTERVAL * (MISSES + 1)
# Time for a restart: a new process, `ready`, the project's files loaded again.
RESTART_MARGIN = 3.0
# Target for noticing a runner that died, before any margin.
DEAD_RUNNER_REPLACED_WITHIN = 5.0


@pytest.fixture
def fast_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heartbeat, "HEARTBEAT_INTERVAL", INTERVAL)
    monkeypatch.setattr(heartbeat, "HEARTBEAT_MISSES", MISSES)


WEDGING: dict[Language, tuple[str, str]] = {
    "node": (
        "steps/spin.step.ts",
        "export const config = { type: 'api', name: 'Spin', method: 'GET', path: '/spin' }\n"
        "export const handler = async () => {\n  while (true) {}\n}\n",
    ),
    "python": (
        "steps/spin.step.py",
        "config = {'type': 'api', 'name': 'Spin', 'method': 'GET', 'path': '/spin'}\n\n"
        "async def handler(req, context):\n    while True:  # never awaits: the loop is stuck\n"
        "        pass\n",
    ),
}
HEALTHY: dict[Language, tuple[str, str]] = {
    "node": (
        "steps/ok.step.js",
        "exports.config = { type: 'api', name: 'Ok', method: 'GET', path: '/ok' }\n"
        "exports.handler = async () => ({ status: 200, body: 'still here' })\n",
    ),
    "python": (
        "steps/ok.step.py",
        "config = {'type': 'api', 'name': 'Ok', 'method': 'GET', 'path': '/ok'}\n\n"
        "async def handler(req, context):\n    return {'status': 200, 'body': 'still here'}\n",
    ),
}


def _alive(pid: int) -> bool:
    """True for a running process; a zombie (exited, not reaped by init) is dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.parametrize("language", list(WEDGING))
async def test_a_runner_whose_event_loop_is_blocked_is_replaced(
    language: Language, fast_heartbeat: None, make_project: Callable[..., Path]
) -> None:
    project = make_project(dict([WEDGING[language], HEALTHY[language]]))
    async with serving(project) as (services, client):
        supervisor = services.runtime.pool.supervisor(language)
        old_pid = supervisor.pid
        assert old_pid is not None
        responses = []

        async def spin() -> None:
            responses.append(await client.get("/spin"))

        async with trio.open_nursery() as nursery:
            began = trio.current_time()
            nursery.start_soon(spin)
            bound = FOUND_WITHIN + RESTART_MARGIN
            await wait_for(lambda: supervisor.pid != old_pid and supervisor.ready, timeout=bound)
            replaced_after = trio.current_time() - began
        # The call on the wedged runner failed as retryable: 503, not a 504 after 30s.
        assert responses[0].status_code == 503, responses[0].text
        assert "heartbeat" in responses[0].json()["message"]
        assert "Spin" in responses[0].json()["message"]
        assert replaced_after <= bound
        assert not _alive(old_pid)
        response = await client.get("/ok")
        assert (response.status_code, response.json()) == (200, "still here")


async def test_a_runner_that_dies_with_a_heartbeat_in_flight_is_restarted(
    fast_heartbeat: None, make_project: Callable[..., Path]
) -> None:
    """The heartbeat's ping, left unanswered when the runner's stream ends, fails with
    RunnerCrashed: that is the run ending, not an error to raise out of the supervisor
    (it took the server down: a full test run met it at a runner's exit)."""
    dying = (
        "import os, time\n"
        "config = {'type': 'api', 'name': 'Die', 'method': 'GET', 'path': '/die'}\n\n"
        "async def handler(req, context):\n"
        f"    time.sleep({3 * INTERVAL})  # the loop is blocked: pings sent now stay unanswered\n"
        "    os._exit(3)\n"
    )
    project = make_project({"steps/die.step.py": dying, **dict([HEALTHY["python"]])})
    async with serving(project) as (services, client):
        supervisor = services.runtime.pool.supervisor("python")
        old_pid = supervisor.pid
        response = await client.get("/die")
        assert response.status_code == 503, response.text
        await wait_for(lambda: supervisor.pid != old_pid and supervisor.ready, timeout=5)
        response = await client.get("/ok")
        assert (response.status_code, response.json()) == (200, "still here")


BUSY_THREADS = {
    "steps/busy.step.py": (
        "import time\n"
        "config = {'type': 'api', 'name': 'BusyPy', 'method': 'GET', 'path': '/busy/py'}\n\n"
        "def handler(req, context):  # a plain def: it runs in a worker thread\n"
        "    end = time.monotonic() + 2.5\n"
        "    while time.monotonic() < end:\n"
        "        pass\n"
        "    return {'status': 200, 'body': 'py'}\n"
    ),
    "steps/busy.step.rb": (
        "def config\n  { type: 'api', name: 'BusyRb', method: 'GET', path: '/busy/rb' }\nend\n\n"
        "def handler(req, ctx)\n"
        "  finish = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 2.5\n"
        "  nil while Process.clock_gettime(Process::CLOCK_MONOTONIC) < finish\n"
        "  { status: 200, body: 'rb' }\nend\n"
    ),
}


async def test_a_busy_handler_thread_is_not_a_wedged_runner(
    fast_heartbeat: None, make_project: Callable[..., Path]
) -> None:
    """Python's plain `def` handlers and every Ruby handler run on threads of their own:
    spinning there for twice the heartbeat window leaves pings answered."""
    async with serving(make_project(BUSY_THREADS)) as (services, client):
        pool = services.runtime.pool
        languages: tuple[Language, ...] = ("python", "ruby")
        pids = [pool.supervisor(lang).pid for lang in languages]
        answers: dict[str, tuple[int, str]] = {}

        async def busy(lang: str) -> None:
            response = await client.get(f"/busy/{lang}")
            answers[lang] = (response.status_code, response.json())

        async with trio.open_nursery() as nursery:
            nursery.start_soon(busy, "py")
            nursery.start_soon(busy, "rb")
        assert answers == {"py": (200, "py"), "rb": (200, "rb")}
        assert [pool.supervisor(lang).pid for lang in languages] == pids


FORKING = {
    "steps/fork.step.py": (
        "import os, time\n"
        "config = {'type': 'api', 'name': 'Fork', 'method': 'POST', 'path': '/fork'}\n\n"
        "async def handler(req, context):\n"
        "    child = os.fork()\n"
        "    if child == 0:  # holds the runner's pipes while it sleeps\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "    return {'status': 200, 'body': {'child': child}}\n"
    ),
    "steps/slow.step.py": (
        "import asyncio\n"
        "config = {'type': 'api', 'name': 'Slow', 'method': 'GET', 'path': '/slow'}\n\n"
        "async def handler(req, context):\n"
        "    await asyncio.sleep(20)\n"
        "    return {'status': 200, 'body': 'slow'}\n"
    ),
    HEALTHY["python"][0]: HEALTHY["python"][1],
}


async def test_a_dead_runner_is_replaced_while_a_process_it_forked_holds_its_pipes(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(FORKING)) as (services, client):
        supervisor = services.runtime.pool.supervisor("python")
        old_pid = supervisor.pid
        assert old_pid is not None
        forked = await client.post("/fork", json={})
        child = forked.json()["child"]
        assert _alive(child)
        responses = []

        async def slow() -> None:
            responses.append(await client.get("/slow"))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(slow)
            await wait_for(lambda: supervisor.in_flight == 1)
            os.kill(old_pid, signal.SIGKILL)  # the runner alone; its child lives on
            killed_at = trio.current_time()
            await wait_for(
                lambda: supervisor.pid != old_pid and supervisor.ready,
                timeout=DEAD_RUNNER_REPLACED_WITHIN + 1.0,
            )
            replaced_after = trio.current_time() - killed_at
        assert replaced_after <= DEAD_RUNNER_REPLACED_WITHIN
        # The call in flight failed as retryable, and the forked child went with its group.
        assert responses[0].status_code == 503, responses[0].text
        assert not _alive(child)
        response = await client.get("/ok")
        assert (response.status_code, response.json()) == (200, "still here")


ORPHANS = {
    # Each runner given a reason to outlive a dead orchestrator: a blocked Node event
    # loop cannot see stdin end; a forked Python or Ruby child holds stdin open.
    WEDGING["node"][0]: WEDGING["node"][1],
    "steps/fork.step.py": FORKING["steps/fork.step.py"],
    "steps/fork.step.rb": (
        "def config\n  { type: 'api', name: 'ForkRb', method: 'POST', path: '/fork-rb' }\nend\n\n"
        "def handler(req, ctx)\n"
        "  child = fork { sleep 60 }\n"
        "  Process.detach(child)\n"
        "  { status: 200, body: { child: child } }\nend\n"
    ),
}
RUNNER_ENTRY_POINTS = ("runner.mjs", "steppe_runner", "runner.rb")


def _runner_processes(project: Path) -> list[int]:
    """Live processes running a runner for `project` (forked children included: they
    have the runner's command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        ours = str(project) in cmdline and any(e in cmdline for e in RUNNER_ENTRY_POINTS)
        if ours and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _describe(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return f"{pid} (gone)"
    state, ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
    return f"{pid} {state} ppid={ppid} pgrp={pgrp}: {cmdline}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(url: str, timeout: float = 10) -> bytes:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
        return body


def _until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            _post(f"{base}/fork")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_no_runner_outlives_a_sigkilled_orchestrator(make_project: Callable[..., Path]) -> None:
    project = make_project(ORPHANS)
    base = f"http://127.0.0.1:{(port := _free_port())}"
    orchestrator = subprocess.Popen(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(project), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _until_up(base)
        _post(f"{base}/fork-rb")
        with pytest.raises(OSError):  # timed out: the Node runner's event loop is stuck now
            urllib.request.urlopen(f"{base}/spin", timeout=0.5)
        before = _runner_processes(project)
        # Three runners and two forked children.
        assert len(before) >= 5, [_describe(pid) for pid in before]
        orchestrator.send_signal(signal.SIGKILL)
        orchestrator.wait(10)
        deadline = time.monotonic() + 5
        while (left := _runner_processes(project)) and time.monotonic() < deadline:
            time.sleep(0.1)
        described = [_describe(pid) for pid in left]
    finally:
        orchestrator.kill()
        orchestrator.wait(10)
        for pid in _runner_processes(project):  # leave nothing behind if the test failed
            os.kill(pid, signal.SIGKILL)
    assert left == [], f"runner processes alive 5s after the orchestrator died: {described}"

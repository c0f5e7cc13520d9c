"""Nothing accepted is lost when an instance dies (SIGKILL) or Redis itself does
(docs/reference.md §11): deliveries leased by a dead instance are claimed by a live one once their
lease (the visibility timeout) ends, and with `appendonly yes`, `appendfsync always`
every event Redis acknowledged survives a restart of redis-server.

Motia leaves this to BullMQ, whose stalled-job check moves a job a dead worker held
back to the wait list (the BullMQ adapter in packages/core/src/ at
v0.17.14-beta.196 has no recovery of its own; `playground/` runs on the default
in-memory queue, which loses everything on a crash).
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.redis_server import RedisServer
from tests.started_server import call, free_port, start

TOKEN = "crash-test-token"
EVENTS = 1000

PROJECT = {
    "steps/burst.step.py": """
config = {"type": "api", "name": "Burst", "method": "POST", "path": "/burst/:from/:count",
          "emits": ["job"]}

async def handler(req, context):
    start, count = int(req["pathParams"]["from"]), int(req["pathParams"]["count"])
    for n in range(start, start + count):
        await context.emit({"topic": "job", "data": {"n": n}})
    return {"status": 202, "body": {"emitted": count}}
""",
    "steps/work.step.py": """
import asyncio, os

config = {"type": "event", "name": "Work", "subscribes": ["job"], "emits": []}

async def handler(data, context):
    await asyncio.sleep(0.05)
    await context.state.set("handled", str(data["n"]), os.getpid())
""",
}


def settings(server: RedisServer, prefix: str) -> str:
    # A short visibility timeout (and handler timeout, which bounds it from below)
    # keeps the test quick; the default is 30 s.
    return (
        f'backend = "redis"\nstreams = "memory"\nredis_url = "{server.url}"\n'
        f'redis_prefix = "{prefix}"\nvisibility_timeout = 2\nhandler_timeout = 2\n'
    )


@contextmanager
def instance(project: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    process = start(project, port, TOKEN)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def burst(port: int, first: int, count: int) -> None:
    call(f"http://127.0.0.1:{port}/burst/{first}/{count}", TOKEN, b"")


def handled(server: RedisServer, prefix: str) -> set[int]:
    direct = redis.Redis(port=server.port, decode_responses=True, socket_timeout=5)
    try:
        return {int(n) for n in direct.hkeys(f"{prefix}:state:handled")}
    finally:
        direct.close()


def wait_until(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_a_live_instance_handles_what_a_killed_one_held(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    prefix = redis_server.prefix()
    project = make_project({**PROJECT, "steppe.toml": settings(redis_server, prefix)})
    with instance(project) as (a, port_a):
        burst(port_a, 0, EVENTS)  # every event accepted (in Redis) once this returns
        wait_until(lambda: len(handled(redis_server, prefix)) >= 50, timeout=30)
        a.kill()  # SIGKILL: its leases are never given back
        a.wait()
        at_kill = len(handled(redis_server, prefix))
    assert at_kill < EVENTS, "A finished before it was killed: nothing left to take over"
    with instance(project):
        wait_until(lambda: len(handled(redis_server, prefix)) == EVENTS, timeout=60)
    assert handled(redis_server, prefix) == set(range(EVENTS))


def test_no_accepted_event_is_lost_when_redis_is_killed_and_restarted(
    make_project: Callable[..., Path], aof_redis_server: RedisServer
) -> None:
    server = aof_redis_server
    prefix = server.prefix()
    project = make_project({**PROJECT, "steppe.toml": settings(server, prefix)})
    with instance(project) as (_, port):
        for first in range(0, 200, 20):
            burst(port, first, 20)  # accepted: in Redis's append-only file
        server.kill()  # with deliveries of those bursts still running
        emit = urllib.request.Request(
            f"http://127.0.0.1:{port}/__steppe/api/emit",
            data=json.dumps({"topic": "job", "data": {"n": -1}}).encode(),
            headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(emit, timeout=10)
        assert refused.value.code == 503
        assert json.loads(refused.value.read())["error"] == "storage unavailable"
        with pytest.raises(urllib.error.HTTPError) as failed:  # a handler's emit, uncaught
            burst(port, 1000, 1)
        assert failed.value.code == 503
        assert json.loads(failed.value.read())["error"] == "storage unavailable"
        server.start()  # same port, same folder: it reads its append-only file
        for first in range(200, 400, 20):  # served again, without a restart of Steppe
            burst(port, first, 20)
        wait_until(lambda: handled(server, prefix) >= set(range(400)), timeout=60)
    assert -1 not in handled(server, prefix)

"""Traces and logs of every instance, read through any instance's admin API (docs/reference.md
§11): behind a load balancer an operator reaches one instance at random, and must see what
all of them did.

Motia 0.17 keeps both in Redis for the same reason (at v0.17.14-beta.196): its tracer
factory writes every trace through `RedisTraceStreamAdapter` (hashes `motia:trace:<group>`,
packages/core/src/observability/tracer.ts, redis-trace-stream-adapter.ts) and its logs
through `RedisLogsStream` (`motia:logs:…`, packages/core/src/streams/redis-logs-stream.ts),
each expiring after three days. Steppe keeps capped Redis streams instead (bounded by
count, not time) and tags each record with its instance.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import trio
from trio_websocket import open_websocket_url

from orchestrator.stores.records import ENTRY_BYTES, RedisRecords
from orchestrator.stores.redis_worker import open_redis_worker
from tests.helpers import wait_for
from tests.redis.test_two_instances import two_instances
from tests.redis_server import RedisServer

API = "/__steppe/api"

PROJECT = {
    "steps/hello.step.py": """
config = {"type": "api", "name": "Hello", "method": "POST", "path": "/hello",
          "emits": ["greeted"]}

async def handler(req, context):
    context.logger.info("hello from the api", {"who": req["body"]["who"]})
    await context.emit({"topic": "greeted", "data": req["body"]})
    return {"status": 200, "body": {"ok": True}}
""",
    "steps/greet.step.py": """
config = {"type": "event", "name": "Greet", "subscribes": ["greeted"], "emits": []}

async def handler(data, context):
    context.logger.info("greeted " + data["who"])
""",
}

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


async def logs(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/logs", params=params)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


async def test_a_request_on_a_is_traced_and_logged_through_b(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(PROJECT)
    async with two_instances(project, redis_server) as ((_, client_a), (_, client_b)):
        response = await client_a.post("/hello", json={"who": "ada"})
        assert response.status_code == 200, response.text
        trace_id = response.headers["x-trace-id"]

        async def whole_trace_on_b() -> dict[str, Any] | None:
            found = await client_b.get(f"{API}/traces/{trace_id}")
            if found.status_code != 200:
                return None
            trace: dict[str, Any] = found.json()
            steps = sorted(span["step"] for span in trace["spans"] if span["status"] == "ok")
            return trace if steps == ["Greet", "Hello"] else None

        trace = await wait_for(whole_trace_on_b)
        assert trace["trigger"]["type"] == "http" and trace["status"] == "ok"
        assert {span["instance"] for span in trace["spans"]} == {INSTANCE}
        listed = (await client_b.get(f"{API}/traces")).json()
        assert trace_id in [t["traceId"] for t in listed]

        async def both_lines_on_b() -> list[dict[str, Any]] | None:
            entries = await logs(client_b, traceId=trace_id)
            said = [e for e in entries if e["msg"] in ("hello from the api", "greeted ada")]
            return said if len(said) == 2 else None

        hello, greeted = await wait_for(both_lines_on_b)
        assert (hello["step"], hello["fields"], hello["instance"]) == (
            "Hello",
            {"who": "ada"},
            INSTANCE,
        )
        assert greeted["step"] == "Greet" and greeted["seq"] > hello["seq"]


async def test_a_handlers_log_line_on_b_is_read_through_a_and_pages_by_seq(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(PROJECT)
    async with two_instances(project, redis_server) as ((_, client_a), (_, client_b)):
        for who in ("bob", "cy"):
            assert (await client_b.post("/hello", json={"who": who})).status_code == 200

        async def lines_on_a() -> list[dict[str, Any]] | None:
            said = [e for e in await logs(client_a) if e["msg"] == "hello from the api"]
            return said if len(said) == 2 else None

        bob, cy = await wait_for(lines_on_a)
        assert (bob["fields"], cy["fields"]) == ({"who": "bob"}, {"who": "cy"})
        older = await logs(client_a, before=cy["seq"])
        assert bob in older and cy not in older
        assert all(entry["seq"] < cy["seq"] for entry in older)
        assert await logs(client_a, limit=1) == [(await logs(client_a))[-1]]


async def test_the_live_feed_of_b_shows_the_log_lines_of_a_once(
    make_project: Callable[..., Path], redis_server: RedisServer
) -> None:
    project = make_project(PROJECT)
    async with two_instances(project, redis_server) as ((_, client_a), (b, _)):
        live_url = "ws" + b.url.removeprefix("http") + f"{API}/live"
        async with open_websocket_url(live_url) as ws:
            assert json.loads(await ws.get_message())["type"] == "hello"
            await trio.sleep(0.5)  # B's follower has found where the stream ends
            assert (await client_a.post("/hello", json={"who": "dee"})).status_code == 200
            seen: list[dict[str, Any]] = []
            with trio.move_on_after(3):  # a second copy would arrive within this time
                while True:
                    message = json.loads(await ws.get_message())
                    entry = message.get("entry") or {}
                    if message["type"] == "log" and entry["msg"] in (
                        "hello from the api",
                        "greeted dee",
                    ):
                        seen.append(entry)
        # The API step ran on A; the event step on either: each line once, B's own
        # entries not read back from Redis.
        assert sorted(entry["msg"] for entry in seen) == ["greeted dee", "hello from the api"]
        hello = next(entry for entry in seen if entry["step"] == "Hello")
        assert (hello["fields"], hello["instance"]) == ({"who": "dee"}, INSTANCE)


async def test_an_entry_over_8_kib_is_cut_in_redis_and_the_seq_survives_a_lost_counter(
    redis_server: RedisServer,
) -> None:
    async with open_redis_worker(redis_server.url, redis_server.prefix()) as worker:
        records = RedisRecords(worker, "here:1")
        records.add_log({"seq": 1, "time": 0.0, "level": "info", "msg": "x" * 20_000,
                         "step": None, "traceId": None, "source": "logger",
                         "fields": {"blob": "y" * 20_000}})  # fmt: skip
        [entry] = await records.logs_page(limit=10, max_bytes=10**6, before=None, trace_id=None)
        assert len(entry["msg"]) < ENTRY_BYTES and "[truncated" in entry["msg"]
        assert "[truncated" in entry["fields"]["truncated"] and entry["instance"] == "here:1"
        await worker.run([("DEL", worker.key("logs", "seq"))])
        records.add_log(entry | {"msg": "after"})
        first, after = await records.logs_page(
            limit=10, max_bytes=10**6, before=None, trace_id=None
        )
        assert after["msg"] == "after" and after["seq"] > first["seq"]

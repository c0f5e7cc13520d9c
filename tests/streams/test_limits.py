"""ttl, maxItems, restarts, and a slow consumer among fast ones (docs/reference.md §5)."""

from __future__ import annotations

import json
import socket as stdlib_socket
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import trio
from trio_websocket import wrap_client_stream

from tests.helpers import serving, wait_for
from tests.streams.helpers import PROJECT, event_of, op, socket, ws_url


async def test_items_expire_after_their_ttl_and_subscribers_hear_it() -> None:
    async with serving(PROJECT) as (services, http), socket(ws_url(services)) as ws:
        await ws.join("short-lived", "g")
        await ws.next()
        began = time.monotonic()
        await op(
            http, "py", stream="short-lived", op="set", groupId="g", id="a", data={"text": "x"}
        )
        assert event_of(await ws.next())[0] == "create"
        assert (await http.get("/streams/short-lived/g/a")).status_code == 200
        gone = await ws.next(timeout=3)
        assert event_of(gone) == ("delete", {"text": "x", "id": "a"})
        assert 0.9 < time.monotonic() - began < 2.0
        assert (await http.get("/streams/short-lived/g/a")).status_code == 404
        assert (await http.get("/streams/short-lived/g")).json() == []


async def test_max_items_keeps_the_newest_per_group() -> None:
    async with serving(PROJECT) as (services, http), socket(ws_url(services)) as ws:
        await ws.join("capped", "g")
        await ws.next()
        await op(http, "ts", stream="capped", op="setMany", groupId="g", id="c", data={"count": 5})
        await op(http, "js", stream="capped", op="set", groupId="h", id="lone", data={"n": 0})
        seen = [(lambda m: (event_of(m)[0], m["id"]))(await ws.next()) for _ in range(7)]
        assert seen == [
            ("create", "c-0"),
            ("create", "c-1"),
            ("create", "c-2"),
            ("create", "c-3"),
            ("delete", "c-0"),
            ("create", "c-4"),
            ("delete", "c-1"),
        ]
        group = await op(http, "rb", stream="capped", op="getGroup", groupId="g")
        assert [item["id"] for item in group] == ["c-2", "c-3", "c-4"]
        assert (await http.get("/streams/capped/h")).json() == [{"n": 0, "id": "lone"}]


async def test_items_survive_a_restart_until_their_ttl(make_project: Callable[..., Path]) -> None:
    project = make_project(copy_from=PROJECT)
    (project / "steps" / "lasting.stream.ts").write_text(
        "export const config = { name: 'lasting', schema: { type: 'object' },\n"
        "  baseConfig: { storageType: 'default', ttl: 2.5 } }\n"
    )
    sqlite = {"state": "sqlite", "queue": "sqlite"}
    async with serving(project, **sqlite) as (_, http):
        written = time.monotonic()  # before the set: its ttl counts from later than this
        await op(http, "ts", stream="lasting", op="set", groupId="g", id="a", data={"v": 1})
        await op(http, "ts", stream="items", op="set", groupId="g", id="b", data={"text": "kept"})
    assert (project / ".steppe" / "streams.db").is_file()
    async with serving(project, **sqlite) as (_, http):
        assert (await http.get("/streams/items/g/b")).json() == {"text": "kept", "id": "b"}
        assert time.monotonic() - written < 2.5, "the restart took longer than the ttl"
        assert (await http.get("/streams/lasting/g/a")).json() == {"v": 1, "id": "a"}

        async def expired() -> bool:
            return (await http.get("/streams/lasting/g/a")).status_code == 404

        await wait_for(expired, timeout=5)
        assert time.monotonic() - written >= 2.5
        assert (await http.get("/streams/items/g/b")).status_code == 200


async def test_a_slow_consumer_is_dropped_and_never_delays_a_fast_one() -> None:
    # 250 messages of 32 KiB (8 MB) against a buffer of 128: a reader that keeps up lags
    # a few dozen messages at most here; one that stopped reading fills its kernel buffers
    # (a few messages with a 4 KiB receive buffer) and then the 128.
    count, pad = 250, 32 * 1024
    async with serving(PROJECT, stream_buffer=128) as (services, http):
        url = urlsplit(services.url)
        async with trio.open_nursery() as nursery, socket(ws_url(services)) as fast:
            # A real WebSocket client that joins and then stops reading: a tiny receive
            # buffer, and trio-websocket stops reading its socket once one message waits.
            raw = trio.socket.socket()
            raw.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_RCVBUF, 4096)
            await raw.connect((url.hostname, url.port))
            stream = trio.SocketStream(raw)
            slow = await wrap_client_stream(nursery, stream, url.netloc, "/", message_queue_size=1)
            join = {"streamName": "firehose", "groupId": "g", "subscriptionId": "slow"}
            await slow.send_message(json.dumps({"type": "join", "data": join}))
            await fast.join("firehose", "g")
            assert event_of(await fast.next())[0] == "sync"
            await wait_for(lambda: len(services.env.streams.hub.clients) == 2)  # type: ignore[union-attr]

            began = time.monotonic()
            setting = {"stream": "firehose", "op": "setMany", "groupId": "g", "id": "m"}
            async with trio.open_nursery() as producer:
                data = {"count": count, "pad": pad}
                producer.start_soon(partial(op, http, "ts", **setting, data=data))
                received = [(await fast.next(timeout=10))["id"] for _ in range(count)]
            elapsed = time.monotonic() - began
            assert received == [f"m-{n}" for n in range(count)]
            assert elapsed < 10

            hub = services.env.streams.hub  # type: ignore[union-attr]
            assert hub.dropped == 1 and len(hub.clients) == 1
            assert any(
                "dropped WebSocket client" in entry["msg"] and "send buffer is full" in entry["msg"]
                for entry in services.env.logs.tail
            )
            # The slow client's socket goes away with it; the fast one keeps working.
            with trio.CancelScope(shield=True):
                await stream.aclose()
            nursery.cancel_scope.cancel()
            await op(http, "js", stream="firehose", op="set", groupId="g", id="after", data={})
            assert (await fast.next())["id"] == "after"

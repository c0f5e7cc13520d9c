"""The floor under stream fan-out: a bare ASGI WebSocket server on Hypercorn that fans
the same text out to every subscriber, one `websocket.send` per message per subscriber
(ASGI has no other way), no framework and no store. It speaks just enough of Motia's
stream protocol for bench/streams_clients.cjs: a `sync` per join, then every tick as an
`update`, and `POST /bench/ticks {count, intervalMs}` makes the ticks, one per scheduler
tick (or every `intervalMs`), as a handler's `set` would.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope


class FanOut:
    def __init__(self) -> None:
        self._subscribers: list[trio.MemorySendChannel[str]] = []

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] == "websocket":
            await self._socket(receive, send)
        elif scope["type"] == "http":
            await self._ticks(receive, send)
        else:
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    async def _socket(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        await receive()
        await send({"type": "websocket.accept", "subprotocol": None, "headers": []})
        inbox, outbox = trio.open_memory_channel[str](math.inf)

        async def pump() -> None:
            async for text in outbox:
                await send({"type": "websocket.send", "text": text, "bytes": None})

        async with trio.open_nursery() as nursery:
            nursery.start_soon(pump)
            while (message := await receive())["type"] == "websocket.receive":
                join = json.loads(message["text"] or "{}").get("data", {})
                sync = {"streamName": join.get("streamName"), "groupId": join.get("groupId"),
                        "event": {"type": "sync", "data": []}}  # fmt: skip
                inbox.send_nowait(json.dumps(sync))
                self._subscribers.append(inbox)
            self._subscribers.remove(inbox)
            nursery.cancel_scope.cancel()

    async def _ticks(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        body = b""
        while True:
            message: Any = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        ask = json.loads(body)
        for n in range(ask["count"]):
            if ask["intervalMs"]:
                await trio.sleep(ask["intervalMs"] / 1000)
            sent_at = time.time() * 1000
            event = {"type": "update", "data": {"n": n, "sentAt": sent_at}}
            text = json.dumps({
                "timestamp": int(sent_at), "streamName": "bench-ticks", "groupId": "room",
                "id": f"tick-{n % 16}", "event": event,
            })  # fmt: skip
            for subscriber in self._subscribers:
                subscriber.send_nowait(text)
            await trio.lowlevel.checkpoint()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


@asynccontextmanager
async def bare_fanout() -> AsyncIterator[str]:
    """Serve a FanOut on a free port for the block; its http:// URL."""
    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(
            partial(serve, FanOut(), config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]
        )
        try:
            yield binds[0]
        finally:
            stop.set()

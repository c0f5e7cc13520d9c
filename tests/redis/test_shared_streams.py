"""Streams on Redis (docs/reference.md §11): a change made on one instance reaches a WebSocket
client connected to another, and the items are shared.

Motia's Redis stream adapter publishes each change on a Redis channel that every
instance's socket server listens to (packages/core/src/streams/ and the socket
server in packages/core/src/socket-server.ts at v0.17.14-beta.196 hand changes to
`pushEvent`; its Redis adapters moved to @motiadev/adapter-redis-streams).
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from tests.helpers import serving
from tests.redis_server import RedisServer
from tests.streams.helpers import PROJECT, event_of, op, socket, ws_url


async def test_a_change_on_one_instance_reaches_a_client_of_the_other(
    redis_server: RedisServer,
) -> None:
    settings = {"state": "redis", "streams": "redis", "redis_url": redis_server.url,
                "redis_prefix": redis_server.prefix()}  # fmt: skip
    async with AsyncExitStack() as stack:
        _, http_a = await stack.enter_async_context(serving(PROJECT, **settings))
        b, _ = await stack.enter_async_context(serving(PROJECT, **settings))
        ws = await stack.enter_async_context(socket(ws_url(b)))
        await ws.join("items", "g")
        assert event_of(await ws.next()) == ("sync", [])
        await op(http_a, "py", stream="items", op="set", groupId="g", id="a", data={"text": "x"})
        message = await ws.next()
        assert (message["id"], event_of(message)[0]) == ("a", "create")
        await op(http_a, "ts", stream="items", op="delete", groupId="g", id="a")
        assert event_of(await ws.next())[0] == "delete"
        await ws.nothing_for(0.1)  # once each, not once per instance
        # The item is in Redis: B reads what A wrote.
        await op(http_a, "rb", stream="items", op="set", groupId="g", id="b", data={"text": "y"})
        assert event_of(await ws.next())[0] == "create"
        ws2 = await stack.enter_async_context(socket(ws_url(b)))
        await ws2.join("items", "g")
        kind, items = event_of(await ws2.next())
        assert kind == "sync" and [item["id"] for item in items] == ["b"]

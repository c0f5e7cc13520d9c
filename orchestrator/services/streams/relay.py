"""Stream changes across instances (docs/reference.md §11): with streams in Redis, every change an
instance publishes to its own WebSocket clients is also published on the Redis
channel `PREFIX:st:changes`, and every instance passes on to its clients the changes
of the others. A change is encoded once, by the instance that made it.

Subscribing blocks, so it has a thread and a connection of its own; when Redis is
lost it subscribes again once Redis answers (changes made meanwhile reach the clients
of the instance that made them only; a client that joins later gets the stored items).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio

from orchestrator.core.logs import LogSink
from orchestrator.services.streams.hub import StreamHub
from orchestrator.services.streams.messages import Channel
from orchestrator.stores.redis_worker import RedisWorker, import_redis

log = logging.getLogger("steppe.redis")


class SharedHub(StreamHub):
    """A hub whose changes also reach the hubs of every other instance on the Redis."""

    def __init__(self, logs: LogSink, worker: RedisWorker, **buffers: Any) -> None:
        super().__init__(logs, **buffers)
        self._worker = worker
        self.instance = uuid.uuid4().hex
        self.topic = worker.key("st", "changes")

    def publish(self, channel: Channel, text: str) -> int:
        payload = [self.instance, channel.stream, channel.group, channel.item_id, text]
        self._worker.post([("PUBLISH", self.topic, json.dumps(payload, ensure_ascii=False))])
        return super().publish(channel, text)

    def publish_here(self, payload: str) -> None:
        """A change another instance published: to this instance's clients only."""
        instance, stream, group, item_id, text = json.loads(payload)
        if instance != self.instance:
            super().publish(Channel(stream, group, item_id), text)


@asynccontextmanager
async def relaying(hub: SharedHub, url: str) -> AsyncIterator[None]:
    """Pass the other instances' changes to `hub` for the duration of the block."""
    redis = import_redis()
    client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2.0)
    token = trio.lowlevel.current_trio_token()
    stop = threading.Event()
    subscribed = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(hub.topic)
                subscribed.set()
                while not stop.is_set():
                    message = pubsub.get_message(timeout=0.2)
                    if message is not None:
                        token.run_sync_soon(hub.publish_here, message["data"])
                pubsub.close()
            except redis.RedisError as exc:
                log.warning("stream changes from other instances paused: %s", exc)
                stop.wait(1.0)
            except trio.RunFinishedError:
                return

    thread = threading.Thread(target=listen, name="steppe-redis-relay", daemon=True)
    thread.start()
    try:
        # Subscribed before serving: a change made on another instance right after this
        # one started reaches its clients.
        await trio.to_thread.run_sync(subscribed.wait, 5.0)
        yield
    finally:
        stop.set()
        await trio.to_thread.run_sync(thread.join)
        client.close()

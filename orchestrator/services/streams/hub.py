"""Who listens to what, and the one place stream changes fan out to WebSocket clients.

A change is encoded once and the same text is offered to every client that
listens. Offering never waits: each client has a bounded outbox that its own task
drains into its socket, and a client whose outbox is full is dropped (and logged)
rather than allowed to hold up the others or to grow without bound.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable

import trio

from orchestrator.core.logs import LogSink
from orchestrator.core.types import JSON
from orchestrator.services.streams.messages import Channel

RoomKey = tuple[str, str, str | None]
"""(stream, group, None) for a group's room; (stream, group, id) for an item's."""

DEFAULT_BUFFER_MESSAGES = 1024
DEFAULT_BUFFER_BYTES = 8 * 1024 * 1024
"""A lagging client may hold this much unsent text (counted in characters, which for JSON
is close to bytes) before it is dropped: a handful of large items must not pin much
memory for one client that stopped reading."""


class Outbox:
    """A bounded queue of encoded messages; `offer` never blocks, `get` waits."""

    def __init__(self, max_messages: int, max_bytes: int) -> None:
        self._items: deque[str] = deque()
        self._bytes = 0
        self._max_messages = max_messages
        self._max_bytes = max_bytes
        self._ready = trio.Event()
        self.closed = False

    def offer(self, text: str) -> bool:
        """Queue `text`; False (nothing queued) when either bound would be passed."""
        size = len(text)
        if len(self._items) >= self._max_messages or (
            self._items and self._bytes + size > self._max_bytes
        ):
            return False
        self._items.append(text)
        self._bytes += size
        self._ready.set()
        return True

    async def get(self) -> str:
        """The oldest message; raises trio.EndOfChannel once closed."""
        while not self._items:
            if self.closed:
                raise trio.EndOfChannel
            await self._ready.wait()
            self._ready = trio.Event()
        text = self._items.popleft()
        self._bytes -= len(text)
        return text

    def close(self) -> None:
        """Drop what is queued and end every `get`."""
        self.closed = True
        self._items.clear()
        self._bytes = 0
        self._ready.set()

    def __len__(self) -> int:
        return len(self._items)


class Client:
    """One WebSocket connection: its outbox, its subscriptions, how to stop it."""

    def __init__(self, number: int, label: str, outbox: Outbox, auth_context: JSON) -> None:
        self.number = number
        self.label = label
        self.outbox = outbox
        # What authenticated it (streams/auth.py): passed to canAccess, onJoin, onLeave.
        self.auth_context = auth_context
        self.subscriptions: dict[str, Channel] = {}
        self.dropped = False
        self.cancel_scope = trio.CancelScope()

    def __repr__(self) -> str:
        return f"<Client {self.number} {self.label}>"


class StreamHub:
    """Subscriptions by group and by item (stream, group AND id, so that two groups
    holding the same item id never see each other's changes)."""

    def __init__(
        self,
        logs: LogSink,
        *,
        buffer_messages: int = DEFAULT_BUFFER_MESSAGES,
        buffer_bytes: int = DEFAULT_BUFFER_BYTES,
    ) -> None:
        self._logs = logs
        self._buffer_messages = buffer_messages
        self._buffer_bytes = buffer_bytes
        self._numbers = itertools.count(1)
        # Each room counts a client's subscriptions to it, so leaving one of two keeps the other.
        self._rooms: dict[RoomKey, dict[Client, int]] = {}
        self.clients: set[Client] = set()
        self.dropped = 0
        # Told of each subscription a disconnect ends, however it ends (closed, dropped,
        # shut down): the streams service runs the stream's onLeave for it.
        self.on_disconnect: Callable[[Client, Channel], None] | None = None

    def connect(self, label: str, auth_context: JSON = None) -> Client:
        outbox = Outbox(self._buffer_messages, self._buffer_bytes)
        client = Client(next(self._numbers), label, outbox, auth_context)
        self.clients.add(client)
        return client

    def disconnect(self, client: Client) -> None:
        """Forget the client and everything it listened to."""
        for subscription_id, channel in list(client.subscriptions.items()):
            self.unsubscribe(client, subscription_id)
            if self.on_disconnect is not None:
                self.on_disconnect(client, channel)
        self.clients.discard(client)
        client.outbox.close()

    def subscribe(self, client: Client, subscription_id: str, channel: Channel) -> None:
        """Listen on `channel`; a second join with the same id replaces the first."""
        if client.dropped:
            return
        self.unsubscribe(client, subscription_id)
        client.subscriptions[subscription_id] = channel
        room = self._rooms.setdefault(_key(channel), {})
        room[client] = room.get(client, 0) + 1

    def unsubscribe(self, client: Client, subscription_id: str) -> bool:
        channel = client.subscriptions.pop(subscription_id, None)
        if channel is None:
            return False
        key = _key(channel)
        room = self._rooms.get(key, {})
        count = room.get(client, 0) - 1
        if count > 0:
            room[client] = count
        else:
            room.pop(client, None)
            if not room:
                self._rooms.pop(key, None)
        return True

    def listeners(self, channel: Channel) -> set[Client]:
        """Every client a change on `channel` reaches: the group's, and the item's."""
        found = set(self._rooms.get((channel.stream, channel.group, None), ()))
        if channel.item_id is not None:
            found.update(self._rooms.get(_key(channel), ()))
        return found

    def publish(self, channel: Channel, text: str) -> int:
        """Offer `text` once to every listener (a client in both rooms gets it once: the
        Motia client routes it to each of its subscriptions); how many took it."""
        delivered = 0
        for client in self.listeners(channel):
            if self.send(client, text):
                delivered += 1
        return delivered

    def send(self, client: Client, text: str) -> bool:
        """Offer one client one message; a client whose outbox is full is dropped."""
        if client.dropped:
            return False
        if client.outbox.offer(text):
            return True
        self.drop(client, f"its send buffer is full ({len(client.outbox)} messages waiting)")
        return False

    def drop(self, client: Client, why: str) -> None:
        """Disconnect a client now, without waiting on its socket."""
        if client.dropped:
            return
        client.dropped = True
        self.dropped += 1
        self.disconnect(client)
        client.cancel_scope.cancel()
        self._logs.write(
            "warn",
            f"dropped WebSocket client {client.label}: {why}",
            source="streams",
        )

    def close_all(self) -> None:
        """End every connection (shutdown): they would otherwise hold the server open."""
        for client in list(self.clients):
            self.disconnect(client)
            client.cancel_scope.cancel()

    def subscription_count(self) -> int:
        """Subscriptions held by every client (for the workbench and tests)."""
        return sum(len(c.subscriptions) for c in self.clients)


def _key(channel: Channel) -> RoomKey:
    return (channel.stream, channel.group, channel.item_id)

"""Who listens to what, and the one place stream changes fan out to WebSocket clients.

A change is encoded once and the same message (its text, and its frame once built) is
offered to every client that listens. Offering never waits: a client with nothing
waiting gets the frame written to its socket at once when its connection allows
(`Client.direct`); otherwise it goes to the client's bounded outbox, which the
client's own task drains into its socket, everything waiting in one write. A client
whose outbox is full is dropped (and logged) rather than allowed to hold up the others
or to grow without bound.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable

import trio

from orchestrator.core.logs import LogSink
from orchestrator.core.types import JSON
from orchestrator.services.streams.messages import Channel
from orchestrator.services.streams.outgoing import Outgoing

RoomKey = tuple[str, str, str | None]
"""(stream, group, None) for a group's room; (stream, group, id) for an item's."""

DEFAULT_BUFFER_MESSAGES = 1024
DEFAULT_BUFFER_BYTES = 8 * 1024 * 1024
"""A lagging client may hold this much unsent text (counted in characters, which for JSON
is close to bytes) before it is dropped: a handful of large items must not pin much
memory for one client that stopped reading."""

WRITE_GAP = 0.002
"""Seconds a client's write waits after its previous one. An idle client's message goes
out at once; under a burst each client gets one write per gap, carrying every change
since. A write costs about as much whatever it carries (20-40 µs of CPU, nearly all of
it the way down to the socket: Hypercorn's send lock and shielded cancel scope, trio's
send and its checkpoint; the system call itself is about 1 µs), so a burst to many
clients costs a write per gap rather than per change."""

BATCH_BYTES = 256 * 1024
"""At most this much text goes out in one write (more when one message is larger): a
client that fell behind catches up in a few writes, none of them unbounded."""


class Outbox:
    """A bounded queue of encoded messages; `offer` never blocks, `take` waits."""

    def __init__(self, max_messages: int, max_bytes: int) -> None:
        self._items: deque[Outgoing] = deque()
        self._bytes = 0
        self._max_messages = max_messages
        self._max_bytes = max_bytes
        self._ready = trio.Event()
        self.closed = False

    def offer(self, message: Outgoing) -> bool:
        """Queue `message`; False (nothing queued) when either bound would be passed."""
        size = len(message.text)
        if len(self._items) >= self._max_messages or (
            self._items and self._bytes + size > self._max_bytes
        ):
            return False
        self._items.append(message)
        self._bytes += size
        self._ready.set()
        return True

    async def take(self, max_bytes: int = BATCH_BYTES, not_before: float = 0.0) -> list[Outgoing]:
        """The oldest messages, in order: everything queued up to `max_bytes` of text
        (at least one message). Waits for one, and then until trio time `not_before`
        (what arrives meanwhile comes too); raises trio.EndOfChannel once closed."""
        while not self._items:
            if self.closed:
                raise trio.EndOfChannel
            await self._ready.wait()
            self._ready = trio.Event()
        if trio.current_time() < not_before:
            await trio.sleep_until(not_before)
            if self.closed:
                raise trio.EndOfChannel
        batch = [self._items.popleft()]
        taken = len(batch[0].text)
        while self._items and taken + len(self._items[0].text) <= max_bytes:
            message = self._items.popleft()
            taken += len(message.text)
            batch.append(message)
        self._bytes -= taken
        return batch

    def close(self) -> None:
        """Drop what is queued and end every `take`."""
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
        # Writes ready frames to the socket now (how many bytes went), for a client whose
        # connection allows it (http/ws_server.direct_writer); None: the outbox only.
        self.direct: Callable[[bytes], int] | None = None

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
        message = Outgoing(text)
        delivered = 0
        for client in self.listeners(channel):
            if self._offer(client, message):
                delivered += 1
        return delivered

    def send(self, client: Client, text: str) -> bool:
        """Offer one client one message; a client whose outbox is full is dropped."""
        return self._offer(client, Outgoing(text))

    def _offer(self, client: Client, message: Outgoing) -> bool:
        if client.dropped:
            return False
        if client.direct is not None and not client.outbox:
            # Nothing waits for this client: the frame goes to its socket now, and what
            # the socket does not take goes first through the outbox.
            frame = message.frame
            written = client.direct(frame)
            if written == len(frame):
                return True
            if written:
                message = Outgoing.tail(frame[written:])
        if client.outbox.offer(message):
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

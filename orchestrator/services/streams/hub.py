"""Who listens to what, and the one place stream changes fan out to WebSocket clients.

A change is encoded once and the same message (its text, and its frame once built) is
offered to every client that listens. Offering never waits. A client with nothing
waiting gets the frame written to its socket at once when its connection allows
(`Client.direct`), or, when it had a write less than WRITE_GAP ago, held for the hub's
next flush, which writes all that each client holds in one write (under a burst, a
write per client per gap rather than per change: the system call and the subscriber's
wake-up cost about as much whatever a write carries). Otherwise the message goes to
the client's bounded outbox, which the client's own task drains into its socket,
everything waiting in one write. A client whose outbox is full is dropped (and logged)
rather than allowed to hold up the others or to grow without bound.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import trio

from orchestrator.core.logs import LogSink
from orchestrator.core.types import JSON
from orchestrator.services.streams.messages import Channel
from orchestrator.services.streams.outbox import BATCH_BYTES, Outbox
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
since. A write costs about as much whatever it carries (through Hypercorn 20-40 µs of
CPU: its send lock and shielded cancel scope, trio's send and its checkpoint; straight
to the socket 4-5 µs, nearly all of it the kernel's loopback delivery and the
subscriber's wake-up), so a burst to many clients costs a write per gap rather than
per change."""


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
        # Frames held for the hub's next flush (only ever while the outbox is empty),
        # their size, and the trio time from which a frame may go straight out again.
        self.held: list[bytes] = []
        self.held_bytes = 0
        self.quiet_at = 0.0

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
        # Clients holding frames, and when the first of them may be written; frames
        # are held only while `flush_held` runs.
        self._holding: list[Client] = []
        self._flush_at = 0.0
        self._flush_due = trio.Event()
        self._flushing = False

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
        client.held.clear()

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

    def listeners(self, channel: Channel) -> list[Client]:
        """Every client a change on `channel` reaches, once: the group's, and the item's
        (a copy: offering may drop a client, and so leave its rooms)."""
        group = self._rooms.get((channel.stream, channel.group, None))
        item = self._rooms.get(_key(channel)) if channel.item_id is not None else None
        if not item:
            return list(group) if group else []
        return list(group.keys() | item.keys()) if group else list(item)

    def publish(self, channel: Channel, text: str) -> int:
        """Offer `text` once to every listener (a client in both rooms gets it once: the
        Motia client routes it to each of its subscriptions); how many took it."""
        message = Outgoing(text)
        frame = message.frame  # most clients take frames: built here, once
        delivered = 0
        now = trio.current_time()
        for client in self.listeners(channel):
            if self._offer(client, message, frame, now):
                delivered += 1
        return delivered

    def send(self, client: Client, text: str) -> bool:
        """Offer one client one message; a client whose outbox is full is dropped."""
        message = Outgoing(text)
        return self._offer(client, message, message.frame, trio.current_time())

    def _offer(self, client: Client, message: Outgoing, frame: bytes, now: float) -> bool:
        # Run for every listener of every change: the common cases come first and cheap.
        if client.dropped:
            return False
        if client.held:
            self._hold(client, frame)  # after what it holds, in order
            return True
        if client.direct is not None and not client.outbox.items:
            # Nothing waits for this client: the frame goes to its socket now (or with
            # the next flush, if it had a write within the gap), and what the socket
            # does not take goes first through the outbox.
            if now < client.quiet_at and self._flushing:
                self._hold(client, frame)
                return True
            client.quiet_at = now + WRITE_GAP
            written = client.direct(frame)
            if written == len(frame):
                return True
            if written:
                message = Outgoing.tail(frame[written:])
        if client.outbox.offer(message):
            return True
        self.drop(client, f"its send buffer is full ({len(client.outbox)} messages waiting)")
        return False

    def _hold(self, client: Client, frame: bytes) -> None:
        held = client.held
        if not held:
            if not self._holding:
                self._flush_at = client.quiet_at
                self._flush_due.set()
            self._holding.append(client)
        held.append(frame)
        client.held_bytes += len(frame)
        if client.held_bytes >= BATCH_BYTES:
            # A write's worth: no reason to keep it, and memory held stays bounded.
            self._write_held(client, b"".join(held), trio.current_time())

    async def flush_held(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Write what clients hold, each in one write, once the gap since the first of
        them was last written has passed; for as long as the hub serves (run by
        StreamsService.serve). Cancelled, it writes what is held and ends."""
        self._flushing = True
        task_status.started()
        try:
            while True:
                await self._flush_due.wait()
                self._flush_due = trio.Event()
                await trio.sleep_until(self._flush_at)
                self._flush(trio.current_time())
        finally:
            self._flushing = False
            self._flush(trio.current_time())

    def _flush(self, now: float) -> None:
        holding, self._holding = self._holding, []
        # The clients of one group hold the same frames: joined once for all of them.
        last: list[bytes] = []
        joined = b""
        for client in holding:
            held = client.held
            if not held:
                continue  # written since (a write's worth), or disconnected
            if held != last:
                last, joined = held, b"".join(held)
            self._write_held(client, joined, now)

    def _write_held(self, client: Client, frames: bytes, now: float) -> None:
        client.held = []
        client.held_bytes = 0
        client.quiet_at = now + WRITE_GAP
        assert client.direct is not None  # only a direct client holds frames
        written = client.direct(frames)
        # The rest goes first through the outbox, which is empty while frames are held
        # and so takes it whatever its size (counted against the client's bounds).
        if written < len(frames):
            client.outbox.offer(Outgoing.tail(frames[written:]))

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

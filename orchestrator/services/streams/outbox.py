"""A client's bounded queue of messages waiting for its socket: offering never blocks
(it refuses instead, and the hub drops the client), taking waits for something to send."""

from __future__ import annotations

from collections import deque

import trio

from orchestrator.services.streams.outgoing import Outgoing

BATCH_BYTES = 256 * 1024
"""At most this much text goes out in one write (more when one message is larger): a
client that fell behind catches up in a few writes, none of them unbounded."""


class Outbox:
    """A bounded queue of encoded messages; `offer` never blocks, `take` waits."""

    def __init__(self, max_messages: int, max_bytes: int) -> None:
        # What waits, oldest first (the hub tests it for emptiness on every change).
        self.items: deque[Outgoing] = deque()
        self._bytes = 0
        self._max_messages = max_messages
        self._max_bytes = max_bytes
        self._ready = trio.Event()
        self.closed = False

    def offer(self, message: Outgoing) -> bool:
        """Queue `message`; False (nothing queued) when either bound would be passed."""
        size = message.size
        if len(self.items) >= self._max_messages or (
            self.items and self._bytes + size > self._max_bytes
        ):
            return False
        self.items.append(message)
        self._bytes += size
        self._ready.set()
        return True

    async def take(self, max_bytes: int = BATCH_BYTES, not_before: float = 0.0) -> list[Outgoing]:
        """The oldest messages, in order: everything queued up to `max_bytes` of text
        (at least one message). Waits for one, and then until trio time `not_before`
        (what arrives meanwhile comes too); raises trio.EndOfChannel once closed."""
        while not self.items:
            if self.closed:
                raise trio.EndOfChannel
            await self._ready.wait()
            self._ready = trio.Event()
        if trio.current_time() < not_before:
            await trio.sleep_until(not_before)
            if self.closed:
                raise trio.EndOfChannel
        batch = [self.items.popleft()]
        taken = batch[0].size
        while self.items and taken + self.items[0].size <= max_bytes:
            message = self.items.popleft()
            taken += message.size
            batch.append(message)
        self._bytes -= taken
        return batch

    def close(self) -> None:
        """Drop what is queued and end every `take`."""
        self.closed = True
        self.items.clear()
        self._bytes = 0
        self._ready.set()

    def __len__(self) -> int:
        return len(self.items)

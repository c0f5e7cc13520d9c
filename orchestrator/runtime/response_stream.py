"""A streamed HTTP answer written by a running handler (Motia 1.0's `response.stream`).

The runner sends `response.write` requests while the invocation runs (runners/README.md);
the HTTP layer sends the answer's head as soon as the first arrives and then each
chunk as it comes. Between them sits a buffer bounded in bytes: a write waits for room,
so a client that stops reading holds the handler's writes back (the runner's own
stream then buffers and reports backpressure, as Node's `write()` returning false)
instead of growing the orchestrator's memory. The wait ends with the handler timeout,
which covers the whole invocation, streamed or not.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import trio

from orchestrator.core.errors import CallbackError

# Bytes a response may hold that its client has not taken yet.
STREAM_BUFFER = 256 * 1024


@dataclass(frozen=True, slots=True)
class Head:
    """The status and headers a handler set before its first write, as it sent them
    (the HTTP layer checks them)."""

    status: Any
    headers: Any


class ResponseStream:
    """One streamed answer: its head, its buffered chunks, and how it ended."""

    def __init__(self, limit: int = STREAM_BUFFER) -> None:
        self._limit = limit
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._changed = trio.Event()
        self._head_or_over = trio.Event()
        self.head: Head | None = None
        self.closed = False  # the handler ended it (`close()`, `stream.end()`)
        self.over = False  # the invocation answered
        self.failure: str | None = None  # why it was cut short, when it was
        self.gone = False  # the client disconnected
        # Set by the runner pool: abandons the invocation (the `cancel` note).
        self.cancel_invocation: Callable[[], None] | None = None

    @property
    def started(self) -> bool:
        return self.head is not None

    async def write(self, params: dict[str, Any]) -> None:
        """A `response.write` from the handler: the head on the first, then `data`
        (bytes or text), then `end`. Waits while the buffer is full; raises
        CallbackError `StreamClosed` once the client left or the stream ended."""
        self._refuse_when_closed()
        if self.head is None:
            self.head = Head(params.get("status", 200), params.get("headers") or {})
            self._head_or_over.set()
        data = _data(params.get("data"))
        while data and self._size and self._size + len(data) > self._limit:
            await self._wait()
            self._refuse_when_closed()
        if data:
            self._chunks.append(data)
            self._size += len(data)
        if params.get("end"):
            self.closed = True
        self._notify()

    async def next_chunk(self) -> bytes | None:
        """What the client has not been sent yet, all at once; None at the end (see
        `failure` for whether it ended well)."""
        while not self._chunks and not self._ended():
            await self._wait()
        if not self._chunks:
            return None
        data = b"".join(self._chunks)
        self._chunks.clear()
        self._size = 0
        self._notify()
        return data

    async def wait_started(self) -> bool:
        """Wait for the head or the invocation's answer; whether the stream started."""
        await self._head_or_over.wait()
        return self.started

    def finish(self, failure: str | None = None) -> None:
        """The invocation answered (or failed: `failure` says how). A stream the handler
        had closed stays whole: what failed after it is only logged."""
        self.over = True
        if failure is not None and not self.closed:
            self.failure = failure
        self._head_or_over.set()
        self._notify()

    def leave(self) -> None:
        """The client disconnected: refuse further writes and abandon the invocation."""
        if self.gone:
            return
        self.gone = True
        self._notify()
        if not self.over and self.cancel_invocation is not None:
            self.cancel_invocation()

    def _ended(self) -> bool:
        return self.closed or self.over or self.gone

    def _refuse_when_closed(self) -> None:
        if self.gone:
            raise CallbackError("StreamClosed", "the client disconnected; the response is over")
        if self.closed or self.over:
            raise CallbackError("StreamClosed", "the response was already ended")

    async def _wait(self) -> None:
        await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()


def _data(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise CallbackError(
        "ValidationError",
        f"response.write: data must be bytes or text, not {type(value).__name__}",
    )

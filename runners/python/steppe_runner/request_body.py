"""Motia 1.0's `request.request_body` (iii's ChannelReader, iii/channels.py): the raw
request body. The orchestrator read it whole before the handler ran and sends it as
bytes, so its one chunk is already here.

motia-py's playground (steps/api_steps/sse_step.py) reads it with a plain
`for chunk in request.request_body.stream`; iii's own API is `async for` over the
reader or its `stream`, and `await reader.read_all()`. All of them work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any


class BodyStream:
    """`request_body.stream`: the body's chunks (one `bytes`, none when empty)."""

    __slots__ = ("_chunks",)

    def __init__(self, data: bytes) -> None:
        self._chunks = (data,) if data else ()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class RequestBody:
    """The raw body of an http trigger's request."""

    __slots__ = ("_data", "stream")

    def __init__(self, data: Any) -> None:
        self._data = bytes(data) if isinstance(data, bytes | bytearray) else b""
        self.stream = BodyStream(self._data)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.stream.__aiter__()

    async def read_all(self) -> bytes:
        return self._data

    def on_message(self, callback: Callable[[str], Any]) -> None:
        """Text messages come over iii's channel only; a request body has none."""

    def close(self) -> None:
        """Nothing to release: the body is in memory."""

    async def close_async(self) -> None:
        """Nothing to release: the body is in memory."""

"""Motia 1.0's http `response` (motia-py types.MotiaHttpResponse, iii's ChannelWriter in
iii/channels.py), streaming through `response.write` requests (runners/README.md,
"Streamed answers").

motia-py's spelling: `await response.status(200)`, `await response.headers({...})`,
`response.writer.stream.write(payload)`, `response.close()`; iii's too: `await
response.writer.write(data)`, `await response.writer.close_async()`, `response.stream`.
The first request carries the head; each is answered once the chunk is in the answer's
bounded buffer, and only then is the next sent (what queued meanwhile goes as one
chunk): that is the backpressure. On the event loop, `stream.write()` queues and returns
an awaitable that waits until its chunk is taken (motia-py's fire-and-forget call works
unchanged); in a plain `def` handler's thread it blocks until then. Once the client
left or the invocation was cancelled, writes raise.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator, Iterator
from typing import Any, Protocol

from .errors import CallError


class Caller(Protocol):
    """The invocation, as the response uses it."""

    iid: int

    def call(self, method: str, params: dict[str, Any]) -> Any: ...


class _Done:
    """An awaitable that is already done: `await response.status(201)` (motia-py's methods
    are coroutines) and a plain call both work, and an un-awaited one warns of nothing."""

    __slots__ = ()

    def __await__(self) -> Iterator[None]:
        return iter(())


class _Taken:
    """What `stream.write()` returns on the loop: awaiting it waits until the chunk is in
    the answer's buffer, and raises if the answer failed first. Never awaited, it is fine
    (its future holds the outcome as a value, so nothing is 'never retrieved')."""

    __slots__ = ("_future",)

    def __init__(self, future: asyncio.Future[BaseException | None]) -> None:
        self._future = future

    def __await__(self) -> Generator[Any, None, None]:
        failure = yield from self._future.__await__()
        if failure is not None:
            raise failure


class StreamedBody:
    """The chunks a handler wrote, sent one `response.write` at a time."""

    def __init__(self, invocation: Caller, response: MotiaHttpResponse) -> None:
        self._invocation = invocation
        self._response = response
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._chunks: list[bytes] = []
        self._waiters: list[asyncio.Future[BaseException | None]] = []
        self._sender: asyncio.Task[None] | None = None
        self.started = False  # the head was sent
        self.ending = False  # close() / end() was called
        self.failure: BaseException | None = None  # the client left, or it was cancelled

    @property
    def used(self) -> bool:
        return self.started or bool(self._chunks) or self.ending or self.failure is not None

    def push(self, data: Any, end: bool = False) -> Any:
        """Queue `data` (and the end): an awaitable on the loop; blocks elsewhere."""
        chunk = _bytes(data)
        if threading.get_ident() == self._loop_thread:
            return _Taken(self._queue(chunk, end))
        taken = asyncio.run_coroutine_threadsafe(self._wait_taken(chunk, end), self._loop)
        taken.result()
        return _Done()

    async def _wait_taken(self, chunk: bytes, end: bool) -> None:
        await _Taken(self._queue(chunk, end))

    def _queue(self, chunk: bytes, end: bool) -> asyncio.Future[BaseException | None]:
        if self.failure is not None:
            raise self.failure
        if self.ending:
            raise CallError.named("StreamClosed", "response.stream: write after close()")
        future: asyncio.Future[BaseException | None] = self._loop.create_future()
        if chunk:
            self._chunks.append(chunk)
        self.ending = end
        self._waiters.append(future)
        if self._sender is None:
            self._sender = self._loop.create_task(self._send())
        return future

    async def _send(self) -> None:
        waiters: list[asyncio.Future[BaseException | None]] = []
        try:
            while self._waiters:
                data, waiters, end = b"".join(self._chunks), self._waiters, self.ending
                self._chunks, self._waiters = [], []
                params: dict[str, Any] = {"iid": self._invocation.iid}
                if not self.started:
                    self.started = True
                    params.update(self._response.head())
                if data:
                    params["data"] = data
                if end:
                    params["end"] = True
                await self._invocation.call("response.write", params)
                _settle(waiters, None)
        except (Exception, asyncio.CancelledError) as exc:  # cancelled: abort() did it
            self.fail(exc if isinstance(exc, Exception) else _cancelled())
            _settle(waiters, self.failure)
        finally:
            self._sender = None

    async def drained(self) -> None:
        """Wait until everything queued was taken (or failed)."""
        while self._sender is not None:
            await asyncio.shield(self._sender)

    def fail(self, failure: BaseException) -> None:
        """Refuse later writes with `failure`; queued ones fail with it."""
        if self.failure is None:
            self.failure = failure
        self._chunks = []
        waiters, self._waiters = self._waiters, []
        _settle(waiters, self.failure)

    def abort(self) -> None:
        """The invocation was cancelled: drop what is queued and stop sending."""
        self.fail(_cancelled())
        if self._sender is not None:
            self._sender.cancel()


class WritableStream:
    """`response.stream` / `response.writer.stream`: Node's Writable, as iii's Python
    WritableStream mirrors it (`write(data)`, `end(data=None)`)."""

    __slots__ = ("_body",)

    def __init__(self, body: StreamedBody) -> None:
        self._body = body

    def write(self, data: Any) -> Any:
        return self._body.push(data)

    def end(self, data: Any = None) -> Any:
        return self._body.push(data, end=True)

    @property
    def destroyed(self) -> bool:
        return self._body.failure is not None


class ChannelWriter:
    """`response.writer`: iii's ChannelWriter (`stream`, `await write(data)`, `close()`,
    `await close_async()`)."""

    __slots__ = ("_body", "stream")

    def __init__(self, body: StreamedBody) -> None:
        self._body = body
        self.stream = WritableStream(body)

    async def write(self, data: Any) -> None:
        await self._body.push(data)

    def close(self) -> None:
        if self._body.failure is None and not self._body.ending:
            self._body.push(None, end=True)

    async def close_async(self) -> None:
        if self._body.failure is None and not self._body.ending:
            await self._body.push(None, end=True)


class MotiaHttpResponse:
    """`response.status(code)` and `response.headers(map)` set the head of a streamed
    answer, or what is answered when the handler returns nothing; `writer`/`stream`
    write the body and `close()` ends it."""

    __slots__ = ("_body", "_headers", "_status", "writer")

    def __init__(self, invocation: Caller) -> None:
        self._status: int | None = None
        self._headers: dict[str, Any] = {}
        self._body = StreamedBody(invocation, self)
        self.writer = ChannelWriter(self._body)

    def status(self, status_code: int) -> _Done:
        self._status = int(status_code)
        return _Done()

    def headers(self, headers: dict[str, Any]) -> _Done:
        self._headers.update(headers)
        return _Done()

    @property
    def stream(self) -> WritableStream:
        return self.writer.stream

    def close(self) -> None:
        """Motia's `response.close()`: the end of the streamed answer."""
        self.writer.close()

    # The runner's side ---------------------------------------------------------------

    def head(self) -> dict[str, Any]:
        return {"status": self._status or 200, "headers": dict(self._headers)}

    async def settle(self, ok: bool) -> bool:
        """Before the invocation is answered: end a stream the handler left open and wait
        until what it holds is sent (`ok`), or drop it (the handler threw), so no chunk
        arrives after the answer. Whether the answer was streamed."""
        body = self._body
        if not body.used:
            return False
        if not ok:
            body.abort()
            return True
        if body.failure is None and not body.ending:
            body.push(None, end=True)
        await body.drained()
        return True

    def abort(self) -> None:
        """The orchestrator abandoned the invocation: writes fail from now on."""
        self._body.abort()

    def answer(self) -> dict[str, Any] | None:
        """What to answer for a handler that returned None: what status/headers set."""
        if self._status is None and not self._headers:
            return None
        return {"status": self._status or 200, "headers": dict(self._headers), "body": None}


def _settle(waiters: list[asyncio.Future[BaseException | None]], outcome: Any) -> None:
    for future in waiters:
        if not future.done():
            future.set_result(outcome)


def _cancelled() -> CallError:
    message = "the response is over: the client disconnected or the handler timed out"
    return CallError.named("Cancelled", message)


def _bytes(data: Any) -> bytes:
    if data is None:
        return b""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    raise TypeError(f"response.stream.write takes bytes or str, not {type(data).__name__}")

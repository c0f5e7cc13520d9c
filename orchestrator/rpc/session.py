"""Request ids and pending calls over one byte stream pair (the layer above `wire`).

A session knows nothing of runners or steps: it sends requests and waits for their
responses, hands incoming requests and notifications to callbacks, and batches
outgoing frames so that many calls share one write to the pipe.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from orchestrator.errors import CallbackError, ProtocolError, RemoteError, RunnerCrashed
from orchestrator.rpc import wire
from orchestrator.types import JSON

log = logging.getLogger("steppe.rpc")

RequestHandler = Callable[[str, Any], Awaitable[JSON]]
NoteHandler = Callable[[str, Any], None]

_READ_CHUNK = 256 * 1024
# Above this many calls in flight, frames go through the batching writer task.
_DIRECT_WRITE_MAX_IN_FLIGHT = 4


class _Pending:
    __slots__ = ("done", "response")

    def __init__(self) -> None:
        self.done = trio.Event()
        self.response: wire.Response | None = None


class RpcSession:
    """One peer of the runner protocol. `serve` runs it; `call` and `notify` use it."""

    def __init__(
        self,
        send_stream: trio.abc.SendStream,
        receive_stream: trio.abc.ReceiveStream,
        *,
        on_request: RequestHandler,
        on_note: NoteHandler,
        name: str,
    ) -> None:
        self.name = name
        self._send_stream = send_stream
        self._receive_stream = receive_stream
        self._on_request = on_request
        self._on_note = on_note
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._outbox = bytearray()
        self._wakeup = trio.Event()
        self._writer_idle = True
        # Set for pipe streams (runners): lets `_write` skip the writer task when idle.
        fileno = getattr(send_stream, "fileno", None)
        self._fd: int | None = fileno() if callable(fileno) else None
        self._closed_reason: str | None = None
        self._nursery: trio.Nursery | None = None

    @property
    def closed(self) -> bool:
        return self._closed_reason is not None

    @property
    def in_flight(self) -> int:
        """Calls sent and not answered yet."""
        return len(self._pending)

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run until the peer closes its stream. Raises ProtocolError on a malformed frame.

        Either way, every call still waiting fails with RunnerCrashed.
        """
        reason = "the runner closed its protocol stream"
        malformed: ProtocolError | None = None
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._write_loop)
                task_status.started()
                try:
                    await self._read_loop()
                except ProtocolError as exc:
                    malformed = exc
                    reason = f"the runner sent a malformed frame ({exc})"
                except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                    reason = f"the runner's protocol stream broke ({exc})"
                finally:
                    self.close(reason)
                    nursery.cancel_scope.cancel()
        finally:
            self.close(reason)
        if malformed is not None:
            # Raised outside the nursery so that callers see it bare, not in a group.
            raise malformed

    def close(self, reason: str) -> None:
        """Fail every pending call with RunnerCrashed and refuse new ones."""
        if self._closed_reason is not None:
            return
        self._closed_reason = reason
        pending, self._pending = self._pending, {}
        for call in pending.values():
            call.done.set()

    async def call(self, method: str, params: Any) -> JSON:
        """Send a request and wait for its result; raises RemoteError or RunnerCrashed."""
        if self._closed_reason is not None:
            raise RunnerCrashed(f"{self.name}: {self._closed_reason}")
        request_id = next(self._ids)
        pending = _Pending()
        self._pending[request_id] = pending
        self._write(wire.encode_request(request_id, method, params))
        try:
            await pending.done.wait()
        finally:
            self._pending.pop(request_id, None)
        response = pending.response
        if response is None:
            raise RunnerCrashed(f"{self.name}: {self._closed_reason}")
        if not response.ok:
            raise RemoteError(response.error or {})
        return response.result

    def notify(self, method: str, params: Any) -> None:
        """Send a notification (no answer expected). Dropped silently once closed."""
        if self._closed_reason is None:
            self._write(wire.encode_notification(method, params))

    def _write(self, frame: bytes) -> None:
        if (
            len(self._pending) <= _DIRECT_WRITE_MAX_IN_FLIGHT
            and not self._outbox
            and self._writer_idle
            and self._fd is not None
        ):
            # Fast path for a quiet session: nothing queued and no write in progress, so a
            # non-blocking write straight to the pipe keeps order and saves waking the
            # writer task. Under load the writer batches frames into fewer syscalls
            # instead. What does not fit in the pipe goes to the writer.
            try:
                written = os.write(self._fd, frame)
            except OSError:  # full (EAGAIN) or broken: the writer task takes over
                written = 0
            if written == len(frame):
                return
            frame = frame[written:]
        self._outbox += frame
        self._wakeup.set()

    async def _write_loop(self) -> None:
        # One writer drains everything queued since its last write: under load many
        # frames share one syscall, with no added latency when idle.
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup = trio.Event()
                data = bytes(self._outbox)
                self._outbox.clear()
                self._writer_idle = False
                await self._send_stream.send_all(data)
                self._writer_idle = True
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self.close("the runner stopped reading its stdin")

    async def _read_loop(self) -> None:
        decoder = wire.Decoder()
        receive_some = self._receive_stream.receive_some
        while True:
            data = await receive_some(_READ_CHUNK)
            if not data:
                return
            for message in decoder.feed(data):
                self._dispatch(message)

    def _dispatch(self, message: wire.Message) -> None:
        if isinstance(message, wire.Response):
            pending = self._pending.get(message.id)
            if pending is not None:
                pending.response = message
                pending.done.set()
        elif isinstance(message, wire.Request):
            assert self._nursery is not None
            self._nursery.start_soon(self._answer, message)
        else:
            try:
                self._on_note(message.method, message.params)
            except Exception:
                log.exception("%s: notification %r could not be handled", self.name, message.method)

    async def _answer(self, request: wire.Request) -> None:
        try:
            result = await self._on_request(request.method, request.params)
        except CallbackError as exc:
            frame = wire.encode_error(request.id, {"name": exc.name, "message": str(exc)})
        except Exception as exc:
            log.exception("%s: request %r failed in the orchestrator", self.name, request.method)
            frame = wire.encode_error(
                request.id, {"name": "InternalError", "message": f"{type(exc).__name__}: {exc}"}
            )
        else:
            try:
                frame = wire.encode_response(request.id, result)
            except (TypeError, ValueError) as exc:
                frame = wire.encode_error(
                    request.id, {"name": "SerializationError", "message": str(exc)}
                )
        if self._closed_reason is None:
            self._write(frame)

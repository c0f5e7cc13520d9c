"""Request ids and pending calls over one byte stream pair (the layer above `wire`).

A session knows nothing of runners or steps: it sends requests and waits for their
responses, hands incoming requests and notifications to callbacks, and batches
outgoing frames so that many calls share one write to the pipe.
"""

from __future__ import annotations

import errno
import itertools
import logging
import math
import os
import time
from collections.abc import Hashable
from functools import partial
from typing import Any

import trio

from orchestrator.core.errors import (
    CallbackError,
    CallTimeout,
    ProtocolError,
    RemoteError,
    RunnerCrashed,
)
from orchestrator.core.types import JSON, NoteHandler, RequestHandler
from orchestrator.rpc import wire
from orchestrator.rpc.pace import SpinPace

log = logging.getLogger("steppe.rpc")


_READ_CHUNK = 256 * 1024
# Above this many calls in flight, frames go through the batching writer task.
_DIRECT_WRITE_MAX_IN_FLIGHT = 4
# A call spins only if at most this many other tasks are ready to run. With one HTTP
# request at a time, half the time one is: that request's own ASGI message pump
# (quart-trio's handle_messages), which has nothing to do until the answer is in.
_SPIN_MAX_RUNNABLE = 1


def _fileno(stream: object) -> int | None:
    """The file descriptor of a pipe stream (runners); None for other streams (tests)."""
    fileno = getattr(stream, "fileno", None)
    return fileno() if callable(fileno) else None


async def _receive_from_pipe(fd: int, max_bytes: int) -> bytes:
    """`FdStream.receive_some` without its leading checkpoint and its first read that
    almost always finds the pipe empty: the session reads again only after handling
    what came, so it waits for the pipe first. Saves a scheduler round and a syscall
    per response."""
    while True:
        await trio.lowlevel.wait_readable(fd)
        try:
            return os.read(fd, max_bytes)
        except BlockingIOError:
            continue
        except OSError as exc:
            if exc.errno == errno.EBADF:
                raise trio.ClosedResourceError("the pipe was closed") from None
            raise trio.BrokenResourceError(str(exc)) from exc


class _Pending:
    __slots__ = ("deadline", "done", "response", "timed_out")

    def __init__(self, deadline: float) -> None:
        self.done = trio.Event()
        self.response: wire.Response | None = None
        self.deadline = deadline  # trio clock; inf for none
        self.timed_out = False


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
        pace: SpinPace | None = None,
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
        self._fd = _fileno(send_stream)
        self._receive_fd = _fileno(receive_stream)
        self._closed_reason: str | None = None
        self._malformed: ProtocolError | None = None
        self._nursery: trio.Nursery | None = None
        self._decoder = wire.Decoder()
        self.pace = pace or SpinPace()
        """Decides which calls spin (see `call`)."""
        # When the timer task next looks for expired calls, and how to wake it sooner.
        self._timer_due = math.inf
        self._timer_changed = trio.Event()

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
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._write_loop)
                nursery.start_soon(self._expire_loop)
                task_status.started()
                try:
                    await self._read_loop()
                except ProtocolError as exc:
                    self._fail_malformed(exc)
                except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                    self.close(f"the runner's protocol stream broke ({exc})")
                finally:
                    self.close("the runner closed its protocol stream")
                    nursery.cancel_scope.cancel()
        finally:
            self.close("the session stopped")
        if self._malformed is not None:
            # Raised outside the nursery so that callers see it bare, not in a group.
            raise self._malformed

    def _fail_malformed(self, exc: ProtocolError) -> None:
        self._malformed = exc
        self.close(f"the runner sent a malformed frame ({exc})")
        if self._nursery is not None:
            self._nursery.cancel_scope.cancel()

    def close(self, reason: str) -> None:
        """Fail every pending call with RunnerCrashed and refuse new ones."""
        if self._closed_reason is not None:
            return
        self._closed_reason = reason
        pending, self._pending = self._pending, {}
        for call in pending.values():
            call.done.set()

    async def call(
        self,
        method: str,
        params: Any,
        timeout: float | None = None,
        spin_key: Hashable | None = None,
    ) -> JSON:
        """Send a request and wait for its result; raises RemoteError, RunnerCrashed, or
        CallTimeout when no answer came within `timeout` seconds (a late answer is
        dropped).

        A call with a `spin_key` (calls with the same key take about as long: the same
        handler) may poll the pipe for its answer instead of sleeping, when it is alone
        on a quiet loop: see `_read_while_spinning` and `SpinPace`."""
        if self._closed_reason is not None:
            raise RunnerCrashed(f"{self.name}: {self._closed_reason}")
        request_id = next(self._ids)
        # Encoded first: a message that cannot be (FrameTooLarge, TypeError) leaves no call behind.
        frame = wire.encode_request(request_id, method, params)
        # A deadline checked by one timer task, not a cancel scope per call: on the hot
        # path a scope's enter and exit cost more than the rest of the call's bookkeeping.
        deadline = math.inf if timeout is None else trio.current_time() + timeout
        pending = _Pending(deadline)
        self._pending[request_id] = pending
        if deadline < self._timer_due:
            self._timer_due = deadline
            self._timer_changed.set()
        self._write(frame)
        if (
            spin_key is not None
            and len(self._pending) == 1
            and self._receive_fd is not None
            and not self._outbox  # the request is in the pipe, not waiting for the writer
        ):
            self._spin(self._receive_fd, spin_key, pending)
        try:
            if not pending.done.is_set():
                await pending.done.wait()
        finally:
            self._pending.pop(request_id, None)
        if pending.timed_out:
            raise CallTimeout(f"{self.name}: no answer to {method} within {timeout:g}s")
        response = pending.response
        if response is None:
            raise RunnerCrashed(f"{self.name}: {self._closed_reason}")
        if not response.ok:
            raise RemoteError(response.error or {})
        return response.result

    async def _expire_loop(self) -> None:
        """Fail calls whose deadline passed. Sleeps until the earliest deadline seen so
        far; a call with an earlier one wakes it (see `call`)."""
        while True:
            with trio.move_on_at(self._timer_due):
                await self._timer_changed.wait()
            self._timer_changed = trio.Event()
            now = trio.current_time()
            self._timer_due = math.inf
            for pending in self._pending.values():
                if pending.done.is_set():  # answered; its caller has yet to resume
                    continue
                if pending.deadline <= now:
                    pending.timed_out = True
                    pending.done.set()
                elif pending.deadline < self._timer_due:
                    self._timer_due = pending.deadline

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

    def _spin(self, fd: int, key: Hashable, pending: _Pending) -> None:
        seconds = self.pace.spin_for(key)
        # Only on a quiet loop: a runnable task waits for the spin to end.
        if seconds and trio.lowlevel.current_statistics().tasks_runnable <= _SPIN_MAX_RUNNABLE:
            self._read_while_spinning(fd, seconds)
            self.pace.record(key, answered=pending.done.is_set())

    def _read_while_spinning(self, fd: int, seconds: float) -> None:
        """Poll the pipe for up to `seconds` and handle what arrives first.

        A fast handler answers within ~100 µs. Sleeping until then costs more CPU than
        that (an epoll registration, a blocking wait, waking the reader task and then
        this one) and adds the wake-up latency on top; so when this call is the only one
        on the session and the loop is quiet (nobody much waits for it), it polls
        instead. Whatever arrives goes through the same decoder as the reader
        task's reads, in order; a request from the runner ends the spin, since serving
        it needs the loop.
        """
        give_up = time.perf_counter() + seconds
        while True:
            try:
                data = os.read(fd, _READ_CHUNK)
            except BlockingIOError:
                if time.perf_counter() < give_up:
                    continue
                return
            except OSError:
                return  # the reader task meets the same error and closes the session
            if not data:
                return  # end of stream: likewise
            try:
                messages = self._decoder.feed(data)
            except ProtocolError as exc:
                self._fail_malformed(exc)
                return
            for message in messages:
                self._dispatch(message)
            return

    async def _read_loop(self) -> None:
        decoder = self._decoder
        receive_some = self._receive_stream.receive_some
        if self._receive_fd is not None:
            receive_some = partial(_receive_from_pipe, self._receive_fd)
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

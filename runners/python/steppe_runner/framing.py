"""Msgpack frames on stdio: decoding, validation, and batched writing.

Shared by the runner and the echo program, so the echo program measures exactly
the reading and batching cost an invocation pays (runners/README.md).
Every frame is a 4-byte big-endian length, then that many bytes of one msgpack map. A
frame that cannot be decoded is skipped, exactly, and answered `BadFrame` when its id can
be read; only a length over MAX_FRAME_BYTES makes the stream untrustworthy.
"""

from __future__ import annotations

import asyncio
import os
import struct
import threading
from collections.abc import Callable
from typing import Any, Protocol

import msgpack

# A peer that streams this much without completing a frame is broken.
MAX_FRAME_BYTES = 64 * 1024 * 1024
READ_CHUNK = 256 * 1024
_LENGTH = struct.Struct(">I")

Frame = dict[str, Any]


class FrameError(ValueError):
    """Raised for a frame length over MAX_FRAME_BYTES: no frame boundary can be trusted after it."""


class InvalidFrame(ValueError):
    """A decoded value that is not a well-formed frame."""


class BadFrame:
    """A frame skipped because it could not be decoded or is not a well-formed frame.

    `head` holds what could be read of its leading members (`t`, `id`, `m`, which every
    encoder writes first), so that a request can still be answered.
    """

    __slots__ = ("head", "reason")

    def __init__(self, head: dict[str, Any], reason: str) -> None:
        self.head = head
        self.reason = reason

    @property
    def request_id(self) -> int | None:
        """The id of the request this frame was, when it can tell."""
        request_id = self.head.get("id")
        return request_id if self.head.get("t") == "req" and _is_id(request_id) else None

    def error(self, runner: str) -> dict[str, Any]:
        """The answer to the request."""
        method = self.head.get("m")
        what = f"request {self.head['id']}" + (f" ({method})" if _is_method(method) else "")
        message = f"the {runner} could not decode {what}: {self.reason}; it skipped the frame"
        return {"name": "BadFrame", "message": message}


def check(frame: object) -> Frame:
    """`frame` if it is a well-formed request, response or note; else raise InvalidFrame."""
    if type(frame) is not dict:
        raise InvalidFrame(f"frame is a {type(frame).__name__}, not a map")
    kind = frame.get("t")
    if kind == "req":
        if _is_id(frame.get("id")) and _is_method(frame.get("m")) and "p" in frame:
            return frame
    elif kind == "res":
        ok = frame.get("ok")
        if _is_id(frame.get("id")) and type(ok) is bool and (ok or type(frame.get("e")) is dict):
            return frame
    elif kind == "note":
        if _is_method(frame.get("m")) and "p" in frame:
            return frame
    else:
        raise InvalidFrame(f"unknown frame kind {kind!r}")
    raise InvalidFrame(f"malformed {kind} frame: {_preview(frame)}")


def _is_id(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_method(value: object) -> bool:
    return type(value) is str and value != ""


def _preview(value: object, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _decode(body: memoryview) -> Frame | BadFrame:
    try:
        # strict_map_key=False: values from other languages' steps may carry integer keys.
        value = msgpack.unpackb(body, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as exc:
        # FormatError, StackError, ExtraData and UnicodeDecodeError are ValueErrors.
        return BadFrame(_head(body), f"malformed msgpack: {exc}")
    try:
        return check(value)
    except InvalidFrame as exc:
        head = {k: value.get(k) for k in ("t", "id", "m")} if type(value) is dict else {}
        return BadFrame(head, str(exc))


def _head(body: memoryview) -> dict[str, Any]:
    """The leading scalar members of a map that failed to decode further on."""
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    unpacker.feed(body)
    head: dict[str, Any] = {}
    try:
        for _ in range(unpacker.read_map_header()):
            key = unpacker.unpack()
            if key not in ("t", "id", "m"):
                break
            head[key] = unpacker.unpack()
    except (ValueError, msgpack.UnpackException):
        pass  # what was read so far is the head
    return head


class FrameDecoder:
    """Incremental decoder: bytes in as they arrive, validated frames (or the bad frames
    skipped) out."""

    def __init__(self) -> None:
        self._rest = b""  # the start of a frame not complete yet

    def feed(self, data: bytes) -> list[Frame | BadFrame]:
        """The frames completed by `data`; raises FrameError on a length over the maximum."""
        # Usually `data` holds whole frames and nothing is left over: no copy then.
        buffer = self._rest + data if self._rest else data
        view = memoryview(buffer)
        frames: list[Frame | BadFrame] = []
        start, end = 0, len(buffer)
        while end - start >= 4:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if size > MAX_FRAME_BYTES:
                raise FrameError(f"a frame length of {size:,} bytes is over the maximum")
            if end - start - 4 < size:
                break
            frames.append(_decode(view[start + 4 : start + 4 + size]))
            start += 4 + size
        self._rest = bytes(view[start:]) if start < end else b""
        return frames


# Packing only ever happens on the event-loop thread, so one packer serves every frame.
_pack_strict = msgpack.Packer(use_bin_type=True, autoreset=True).pack
# Text with lone surrogates (bytes decoded with surrogateescape) is not UTF-8: escape them
# rather than fail, on a slower packer kept for that case.
_pack_escaped = msgpack.Packer(
    use_bin_type=True, autoreset=True, unicode_errors="backslashreplace"
).pack


def _pack(frame: Frame) -> bytes:
    try:
        data: bytes = _pack_strict(frame)
    except UnicodeEncodeError:
        data = _pack_escaped(frame)
    return _LENGTH.pack(len(data)) + data


def encode(frame: Frame) -> bytes:
    """The bytes of any frame, keys in the order given."""
    return _pack(frame)


def encode_request(request_id: int, method: str, params: Any) -> bytes:
    return _pack({"t": "req", "id": request_id, "m": method, "p": params})


def encode_response(request_id: int, result: Any) -> bytes:
    return _pack({"t": "res", "id": request_id, "ok": True, "r": result})


def encode_error(request_id: int, error: dict[str, Any]) -> bytes:
    return _pack({"t": "res", "id": request_id, "ok": False, "e": error})


def encode_note(method: str, params: Any) -> bytes:
    return _pack({"t": "note", "m": method, "p": params})


class Endpoint(Protocol):
    """What a connection hands decoded frames to."""

    def on_request(self, request_id: int, method: str, params: Any) -> None: ...

    def on_response(
        self, request_id: int, ok: bool, result: Any, error: dict[str, Any] | None
    ) -> None: ...

    def on_note(self, method: str, params: Any) -> None: ...

    def on_eof(self) -> None:
        """The orchestrator is gone: the input ended, or the output closed unasked."""
        ...

    def on_bad_frame(self, bad: BadFrame) -> None:
        """A frame skipped; answer it if it was a request."""
        ...

    def on_frame_error(self, error: FrameError) -> None:
        """A frame length over the maximum: the rest of the stream cannot be trusted."""
        ...


class Connection(asyncio.Protocol):
    """Reads frames from one fd and writes frames to another.

    Frames sent during one event-loop iteration leave in one write, at the start of
    the next iteration: pipelined requests answered together cost one syscall.
    `send_now` writes at once, for a frame known to be the iteration's last.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._decoder = FrameDecoder()
        self._loop = asyncio.get_running_loop()
        self._pending: list[bytes] = []
        self._write: Callable[[bytes], None] = self._write_blocking
        self._out_fd = -1
        self._transport: asyncio.WriteTransport | None = None
        self._closed = self._loop.create_future()
        self._draining = False

    async def open(self, in_fd: int, out_fd: int, greeting: bytes | None = None) -> None:
        """Write frames to `out_fd`, `greeting` first, then read frames from `in_fd`.

        Both fds stay open for the life of the process.
        """
        self._out_fd = out_fd
        try:
            writer = os.fdopen(out_fd, "wb", buffering=0, closefd=False)
            transport, _ = await self._loop.connect_write_pipe(
                lambda: _WriteSide(self._closed, self._output_lost), writer
            )
            self._transport = transport
            self._write = transport.write
        except ValueError:
            pass  # not a pipe, socket or tty: keep the blocking writes
        if greeting is not None:
            self.send(greeting)  # queued before any frame can be read, so it leaves first
        try:
            reader = os.fdopen(in_fd, "rb", buffering=0, closefd=False)
            await self._loop.connect_read_pipe(lambda: self, reader)
        except ValueError:
            # A regular file (frames replayed from disk) cannot be polled: read it in a thread.
            threading.Thread(target=self._read_blocking, args=(in_fd,), daemon=True).start()

    # Reading ------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        endpoint = self._endpoint
        try:
            frames = self._decoder.feed(data)
        except FrameError as exc:
            endpoint.on_frame_error(exc)
            return
        for frame in frames:
            if isinstance(frame, BadFrame):
                endpoint.on_bad_frame(frame)
                continue
            kind = frame["t"]
            try:
                if kind == "req":
                    endpoint.on_request(frame["id"], frame["m"], frame["p"])
                elif kind == "res":
                    endpoint.on_response(frame["id"], frame["ok"], frame.get("r"), frame.get("e"))
                else:
                    endpoint.on_note(frame["m"], frame["p"])
            except Exception as exc:  # a failure on one frame must not lose those after it
                self._loop.call_exception_handler(
                    {"message": f"{kind} frame could not be handled", "exception": exc}
                )

    def connection_lost(self, exc: Exception | None) -> None:
        # Called once the input ends, cleanly (EOF) or not. Answers already made still go
        # out if they can: the endpoint exits at once, whatever the flush does.
        try:
            if self._pending:
                self._flush()
        finally:
            self._endpoint.on_eof()

    def _read_blocking(self, fd: int) -> None:
        while chunk := os.read(fd, READ_CHUNK):
            self._loop.call_soon_threadsafe(self.data_received, chunk)
        self._loop.call_soon_threadsafe(self.connection_lost, None)

    # Writing ------------------------------------------------------------------------

    def send(self, frame: bytes) -> None:
        """Queue an encoded frame; must be called on the event-loop thread."""
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(frame)

    def send_now(self, frame: bytes) -> None:
        """Write `frame` at once, after anything queued; on the event-loop thread.

        For a frame that nothing else will join this iteration (the answer of the only
        invocation running): waiting for the next iteration would only add one (an
        epoll wait and a loop turn) to its round trip."""
        self._pending.append(frame)
        self._flush()

    def _flush(self) -> None:
        pending = self._pending
        if not pending:  # send_now wrote them before this scheduled flush came
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        if self._transport is not None and self._transport.is_closing():
            # Nobody reads the output any more. Writing would raise, and the error, printed
            # inside an invocation, would become a `log` note to flush: an orphaned runner
            # spun a core on that loop.
            return
        self._write(data)

    def _write_blocking(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._out_fd, view) :]

    def _output_lost(self) -> None:
        if not self._draining:
            self._endpoint.on_eof()

    async def drain(self) -> None:
        """Write out everything queued, then close the output."""
        self._draining = True
        if self._pending:
            self._flush()
        if self._transport is not None:
            self._transport.close()
            await self._closed


class _WriteSide(asyncio.BaseProtocol):
    """Tells the connection when the output pipe has been flushed and closed, or broke
    (the orchestrator is gone)."""

    def __init__(self, closed: asyncio.Future[None], lost: Callable[[], None]) -> None:
        self._closed = closed
        self._lost = lost

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._closed.done():
            self._closed.set_result(None)
        self._lost()

"""Msgpack frames on stdio: decoding, validation, and batched writing.

Shared by the runner and the echo program, so the echo program measures exactly
the reading and batching cost an invocation pays (runners/README.md).
Every frame is one msgpack map, written back to back with no length prefix.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from typing import Any, Protocol

import msgpack

# A peer that streams this much without completing a frame is broken.
MAX_FRAME_BYTES = 64 * 1024 * 1024
READ_CHUNK = 256 * 1024

Frame = dict[str, Any]


class FrameError(ValueError):
    """Raised for bytes that are not a valid protocol frame; the stream cannot be trusted after."""


def check(frame: object) -> Frame:
    """Return `frame` if it is a well-formed request, response or note; raise FrameError if not."""
    if type(frame) is not dict:
        raise FrameError(f"frame is a {type(frame).__name__}, not a map")
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
        raise FrameError(f"unknown frame kind {kind!r}")
    raise FrameError(f"malformed {kind} frame: {_preview(frame)}")


def _is_id(value: object) -> bool:
    return type(value) is int and value >= 0


def _is_method(value: object) -> bool:
    return type(value) is str and value != ""


def _preview(value: object, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class FrameDecoder:
    """Incremental decoder: bytes in as they arrive, validated frames out."""

    def __init__(self) -> None:
        # strict_map_key=False: values from other languages' steps may carry integer keys.
        self._unpacker = msgpack.Unpacker(
            raw=False, strict_map_key=False, max_buffer_size=MAX_FRAME_BYTES
        )

    def feed(self, data: bytes) -> list[Frame]:
        """The frames completed by `data`; raises FrameError on malformed input."""
        self._unpacker.feed(data)
        try:
            return [check(frame) for frame in self._unpacker]
        except FrameError:
            raise
        except (ValueError, msgpack.UnpackException) as exc:
            # FormatError, StackError, ExtraData and UnicodeDecodeError are ValueErrors.
            raise FrameError(f"malformed msgpack: {exc}") from None


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
    return data


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

    def on_frame_error(self, error: FrameError) -> None: ...


class Connection(asyncio.Protocol):
    """Reads frames from one fd and writes frames to another.

    Frames sent during one event-loop iteration leave in one write, at the start of
    the next iteration: pipelined requests answered together cost one syscall.
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

    def _flush(self) -> None:
        pending = self._pending
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

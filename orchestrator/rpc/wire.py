"""Msgpack framing of the runner protocol, with no I/O.

Bytes go in, messages come out, and back (docs/reference.md §7, `schemas/protocol.schema.json`).
A frame is a 4-byte big-endian length, then that many bytes of one msgpack map. The
length lets a runner skip exactly one frame it cannot decode and answer it (`BadFrame`);
the orchestrator itself does not skip: a frame from a runner that is not a well-formed
map of one of the three kinds is a `ProtocolError`, since a runner's frames come from its
own encoder and one that writes a bad frame is broken (the supervisor restarts it).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack

from orchestrator.core.errors import ProtocolError

# A runner that streams this much without completing a frame is broken or hostile.
MAX_FRAME_BYTES = 64 * 1024 * 1024
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    method: str
    params: Any


@dataclass(frozen=True, slots=True)
class Response:
    id: int
    ok: bool
    result: Any = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Notification:
    method: str
    params: Any


Message = Request | Response | Notification


def _packer() -> msgpack.Packer:
    return msgpack.Packer(use_bin_type=True, autoreset=True)


_pack: Callable[[Any], bytes] = _packer().pack


class FrameTooLarge(ValueError):
    """A message whose encoding exceeds MAX_FRAME_BYTES, which no runner would read."""


def _frame(body: bytes) -> bytes:
    if len(body) > MAX_FRAME_BYTES:
        limit = f"the protocol's {MAX_FRAME_BYTES:,}-byte frame limit"
        raise FrameTooLarge(f"a message of {len(body):,} bytes exceeds {limit}")
    return _LENGTH.pack(len(body)) + body


def encode_request(request_id: int, method: str, params: Any) -> bytes:
    """The frame of a request (hot path: no intermediate object)."""
    return _frame(_pack({"t": "req", "id": request_id, "m": method, "p": params}))


def encode_response(request_id: int, result: Any) -> bytes:
    """The frame of a successful response."""
    return _frame(_pack({"t": "res", "id": request_id, "ok": True, "r": result}))


def encode_error(request_id: int, error: dict[str, Any]) -> bytes:
    """The frame of a failed response; `error` has at least name and message."""
    return _frame(_pack({"t": "res", "id": request_id, "ok": False, "e": error}))


def encode_notification(method: str, params: Any) -> bytes:
    """The frame of a notification."""
    return _frame(_pack({"t": "note", "m": method, "p": params}))


def unencodable_reason(value: Any) -> str | None:
    """Why `value` cannot cross the protocol (an integer beyond 64 bits, text with lone
    surrogates), or None when it can. JSON allows both; msgpack does not."""
    try:
        _pack(value)
    except OverflowError:
        return "an integer does not fit in 64 bits"
    except UnicodeEncodeError:
        return "a string holds an unpaired UTF-16 surrogate"
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None


def encode(message: Message) -> bytes:
    """The frame of any message."""
    if isinstance(message, Request):
        return encode_request(message.id, message.method, message.params)
    if isinstance(message, Notification):
        return encode_notification(message.method, message.params)
    if message.ok:
        return encode_response(message.id, message.result)
    return encode_error(message.id, message.error or {"name": "Error", "message": ""})


def parse(frame: Any) -> Message:
    """Turn one decoded msgpack object into a message, or raise ProtocolError."""
    if not isinstance(frame, dict):
        raise ProtocolError(f"frame is a {type(frame).__name__}, not a map: {_preview(frame)}")
    kind = frame.get("t")
    try:
        if kind == "res":
            ok = frame["ok"]
            if not isinstance(ok, bool):
                raise ProtocolError(f"response 'ok' is not a boolean: {_preview(frame)}")
            error = frame.get("e")
            if not ok and not (isinstance(error, dict) and "message" in error):
                raise ProtocolError(f"failed response without an error map: {_preview(frame)}")
            return Response(_int_id(frame), ok, frame.get("r"), error)
        if kind == "req":
            return Request(_int_id(frame), _method(frame), frame["p"])
        if kind == "note":
            return Notification(_method(frame), frame["p"])
    except KeyError as missing:
        raise ProtocolError(f"{kind} frame lacks {missing}: {_preview(frame)}") from None
    raise ProtocolError(f"unknown frame kind {kind!r}: {_preview(frame)}")


def _int_id(frame: dict[str, Any]) -> int:
    request_id = frame["id"]
    if not isinstance(request_id, int) or isinstance(request_id, bool) or request_id < 0:
        raise ProtocolError(f"id is not a non-negative integer: {_preview(frame)}")
    return request_id


def _method(frame: dict[str, Any]) -> str:
    method = frame["m"]
    if not isinstance(method, str) or not method:
        raise ProtocolError(f"method is not a non-empty string: {_preview(frame)}")
    return method


def _preview(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _unpack(body: memoryview) -> Any:
    try:
        return msgpack.unpackb(body, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException, TypeError) as exc:
        # msgpack raises ValueError subclasses (FormatError, StackError, ExtraData)
        # and, for bytes it cannot decode as text, UnicodeDecodeError.
        raise ProtocolError(f"malformed msgpack: {exc}") from None


class Decoder:
    """Incremental decoder: feed it bytes as they arrive, get whole messages back."""

    def __init__(self, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._max = max_frame_bytes
        self._rest = b""  # the start of a frame not complete yet

    def feed(self, data: bytes | bytearray) -> list[Message]:
        """Messages completed by `data`; raises ProtocolError on malformed input."""
        # Usually `data` holds whole frames and nothing is left over: no copy then.
        buffer = self._rest + data if self._rest else data
        view = memoryview(buffer)
        messages = []
        start, end = 0, len(buffer)
        while end - start >= 4:
            (size,) = _LENGTH.unpack_from(buffer, start)
            if size > self._max:
                head = bytes(view[start : start + 24])
                what = f"a frame of {size:,} bytes exceeds the maximum frame size"
                raise ProtocolError(f"{what}: not a frame? {head!r}")
            if end - start - 4 < size:
                break
            messages.append(parse(_unpack(view[start + 4 : start + 4 + size])))
            start += 4 + size
        self._rest = bytes(view[start:]) if start < end else b""
        return messages

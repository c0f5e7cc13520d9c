"""One stream message as every listening client gets it: the text encoded once, and its
WebSocket frame built at most once and then written, as the same bytes, to every
subscriber whose connection carries plain frames (no permessage-deflate)."""

from __future__ import annotations

import struct

_FIN_TEXT = 0x81
"""First byte of an unfragmented text frame (FIN bit, opcode 1; RFC 6455 §5.2)."""


def text_frame(text: str) -> bytes:
    """`text` as one server-to-client WebSocket frame: unmasked, as servers send them."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = bytes((_FIN_TEXT, size))
    elif size < 1 << 16:
        head = struct.pack("!BBH", _FIN_TEXT, 126, size)
    else:
        head = struct.pack("!BBQ", _FIN_TEXT, 127, size)
    return head + payload


class Outgoing:
    """An encoded message shared by every client's outbox."""

    __slots__ = ("_frame", "size", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._frame: bytes | None = None
        # What it counts for against a client's bounds (characters, close to bytes).
        self.size = len(text)

    @classmethod
    def tail(cls, frames: bytes) -> Outgoing:
        """What a direct write left of one frame or of several joined: bytes that must
        go before anything else (to a client that takes frames; it has no text of its
        own, and counts for its bytes)."""
        message = cls("")
        message._frame = frames
        message.size = len(frames)
        return message

    @property
    def frame(self) -> bytes:
        if self._frame is None:
            self._frame = text_frame(self.text)
        return self._frame

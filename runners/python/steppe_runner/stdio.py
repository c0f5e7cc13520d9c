"""Keeping user output off the protocol, and turning it into `log` notes.

At start-up the protocol takes private copies of fds 0 and 1; fd 1 then points at
stderr and fd 0 at /dev/null, so neither `print` nor a subprocess a step starts
can touch the protocol. `sys.stdout` and `sys.stderr` become writers that send
each line printed inside an invocation (or while a file loads) as a `log` note
tied to it, and write everything else to fd 2.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol, TextIO

LEVELS = {"stdout": "info", "stderr": "error"}
LINE_LIMIT = 64 * 1024
"""Bytes (UTF-8) sent of one printed line, marker included (orchestrator/core/truncate.py
has the same, so what is sent passes there unchanged): a handler printing 50 MB must
not make a 50 MB note, which every other call would queue behind. The rest is
counted, not kept, and a marker says how much was cut."""
MARKER_ROOM = 64


class OutputSink:
    """Line-buffers what one invocation or one load prints; each line becomes a `log` note."""

    __slots__ = ("_key", "_note", "_partial", "_value")

    def __init__(self, key: str, value: Any, note: Callable[[dict[str, Any]], None]) -> None:
        self._key = key  # "iid" for an invocation, "path" for a load
        self._value = value
        self._note = note  # sends a log note; callable from any thread
        self._partial: dict[str, _Line] = {}

    def write(self, source: str, text: str) -> None:
        start = 0
        while (end := text.find("\n", start)) != -1:
            self._line(source).add(text, start, end)
            self._send(source, self._partial.pop(source).text())
            start = end + 1
        if start < len(text):
            self._line(source).add(text, start, len(text))

    def close(self) -> None:
        """Send what is left of unfinished lines."""
        while self._partial:
            source, line = self._partial.popitem()
            self._send(source, line.text())

    def _line(self, source: str) -> _Line:
        line = self._partial.get(source)
        if line is None:
            line = self._partial[source] = _Line()
        return line

    def _send(self, source: str, line: str) -> None:
        level = LEVELS[source]
        self._note({self._key: self._value, "level": level, "msg": line, "source": source})


class _Line:
    """A line being printed, in pieces: at most its first LINE_LIMIT characters, and
    its whole size in bytes."""

    __slots__ = ("_chars", "_head", "_size")

    def __init__(self) -> None:
        self._head: list[str] = []
        self._chars = 0
        self._size = 0

    def add(self, text: str, start: int, end: int) -> None:
        room = LINE_LIMIT - self._chars
        if room > 0:
            piece = text[start : min(end, start + room)]
            self._head.append(piece)
            self._chars += len(piece)
        # An ASCII string's length is its size; other text is measured encoded.
        self._size += end - start if text.isascii() else _utf8_size(text[start:end])

    def text(self) -> str:
        head = "".join(self._head)
        if self._size <= LINE_LIMIT:
            return head.removesuffix("\r")
        # The first LINE_LIMIT characters hold at least the bytes kept.
        kept = head.encode("utf-8", "surrogatepass")[: LINE_LIMIT - MARKER_ROOM]
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        shown = decoder.decode(kept, final=False)  # less a character cut in two
        dropped = self._size - len(kept) + len(decoder.getstate()[0])
        return f"{shown}… [truncated {dropped:,} bytes]"


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


class Sink(Protocol):
    """Where printed text goes: an OutputSink, or an invocation that makes one when
    its handler first prints (most never do)."""

    def write(self, source: str, text: str) -> None: ...


# The sink of the invocation or load running in this task or thread, if any.
current_sink: ContextVar[Sink | None] = ContextVar("steppe_output_sink", default=None)


class CapturedStream(io.TextIOBase):
    """Stands in for sys.stdout or sys.stderr."""

    def __init__(self, source: str, fallback: TextIO) -> None:
        self._source = source
        self._fallback = fallback

    def write(self, text: str) -> int:
        sink = current_sink.get()
        if sink is None:
            return self._fallback.write(text)
        sink.write(self._source, text)
        return len(text)

    def flush(self) -> None:
        self._fallback.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._fallback.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._fallback.encoding

    @property
    def buffer(self) -> io.BufferedIOBase:
        # Bytes written here bypass the notes but still land on fd 2, never the protocol.
        return self._fallback.buffer  # type: ignore[return-value]


def take_protocol_fds() -> tuple[int, int]:
    """Move the protocol to private fds; returns (input fd, output fd)."""
    sys.stdout.flush()
    protocol_in, protocol_out = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return protocol_in, protocol_out


def capture_output() -> None:
    """Route sys.stdout and sys.stderr through the sinks; outside them, to fd 2."""
    fallback = io.TextIOWrapper(
        open(2, "wb", buffering=0, closefd=False),  # noqa: SIM115 - lives as long as the process
        encoding="utf-8",
        errors="backslashreplace",
        write_through=True,
    )
    sys.stdout = CapturedStream("stdout", fallback)
    sys.stderr = CapturedStream("stderr", fallback)

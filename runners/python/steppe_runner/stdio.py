"""Keeping user output off the protocol, and turning it into `log` notes.

At start-up the protocol takes private copies of fds 0 and 1; fd 1 then points at
stderr and fd 0 at /dev/null, so neither `print` nor a subprocess a step starts
can touch the protocol. `sys.stdout` and `sys.stderr` become writers that send
each line printed inside an invocation (or while a file loads) as a `log` note
tied to it, and write everything else to fd 2.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TextIO

LEVELS = {"stdout": "info", "stderr": "error"}


class OutputSink:
    """Line-buffers what one invocation or one load prints; each line becomes a `log` note."""

    __slots__ = ("_key", "_note", "_partial", "_value")

    def __init__(self, key: str, value: Any, note: Callable[[dict[str, Any]], None]) -> None:
        self._key = key  # "iid" for an invocation, "path" for a load
        self._value = value
        self._note = note  # sends a log note; callable from any thread
        self._partial: dict[str, str] = {}

    def write(self, source: str, text: str) -> None:
        *lines, rest = (self._partial.pop(source, "") + text).split("\n")
        for line in lines:
            self._send(source, line.removesuffix("\r"))
        if rest:
            self._partial[source] = rest

    def close(self) -> None:
        """Send what is left of unfinished lines."""
        while self._partial:
            self._send(*self._partial.popitem())

    def _send(self, source: str, line: str) -> None:
        level = LEVELS[source]
        self._note({self._key: self._value, "level": level, "msg": line, "source": source})


# The sink of the invocation or load running in this task or thread, if any.
current_sink: ContextVar[OutputSink | None] = ContextVar("steppe_output_sink", default=None)


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

"""Structured logs: JSON lines in a file under `.steppe/`, readable lines on the console,
and a bounded in-memory tail for the admin API. Every entry carries traceId and step.

What user code logs or prints can be huge: a message, and an entry's fields as JSON,
keep at most `LINE_LIMIT` bytes (`core/truncate.py`), and the tail keeps at most
`TAIL_ENTRIES` entries and `TAIL_BYTES` bytes of them, so that memory returns to what
it was after a burst. A log file that cannot be written (a full disk) costs its lines
and one warning, never the server.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

import trio
from rich.console import Console
from rich.markup import escape

from orchestrator.core.json_lines import json_line
from orchestrator.core.truncate import LINE_LIMIT, cap_text, utf8_size

LEVELS = ("debug", "info", "warn", "error")
LEVEL_STYLES = {"debug": "dim", "info": "cyan", "warn": "yellow", "error": "bold red"}
TAIL_ENTRIES = 2000
TAIL_BYTES = 4 * 1024 * 1024
"""The tail's budget, counted as the entries' JSON size."""
_FILE_BUFFER = 64 * 1024


class LogTail:
    """The newest entries, oldest first, within `max_entries` and `max_bytes`."""

    def __init__(self, max_entries: int = TAIL_ENTRIES, max_bytes: int = TAIL_BYTES) -> None:
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._entries: deque[tuple[dict[str, Any], int]] = deque()
        self.bytes = 0

    def append(self, entry: dict[str, Any], size: int) -> None:
        self._entries.append((entry, size))
        self.bytes += size
        while len(self._entries) > self._max_entries or self.bytes > self._max_bytes:
            self.bytes -= self._entries.popleft()[1]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (entry for entry, _ in self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def page(
        self, *, limit: int, max_bytes: int, before: int | None = None, trace_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest entries older than `before` (a `seq`), of one trace if given: at
        most `limit` of them and `max_bytes` of JSON, oldest first."""
        page: list[dict[str, Any]] = []
        total = 0
        for entry, size in reversed(self._entries):
            if before is not None and entry["seq"] >= before:
                continue
            if trace_id and entry["traceId"] != trace_id:
                continue
            total += size + 1  # and a comma
            if len(page) >= limit or (total > max_bytes and page):
                break
            page.append(entry)
        page.reverse()
        return page


class _LogFile:
    """The JSON-lines file, buffered here rather than by `open`: a write that fails (a
    full disk) then loses what was buffered, and the next write starts a fresh line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._line_broken = False
        self.failing = False

    def write(self, data: bytes, *, flush: bool) -> OSError | None:
        """Buffer `data`; write the buffer when asked or full. The error of a write that
        failed when the last one had not (the caller warns once)."""
        self._pending.append(data)
        self._pending_bytes += len(data)
        return self.flush() if flush or self._pending_bytes >= _FILE_BUFFER else None

    def flush(self) -> OSError | None:
        if not self._pending or self._fd is None:
            return None
        # After a failed write, the line it broke off is ended first.
        data = memoryview(b"".join([b"\n"] * self._line_broken + self._pending))
        self._pending.clear()
        self._pending_bytes = 0
        written = 0
        try:
            while written < len(data):
                written += os.write(self._fd, data[written:])
        except OSError as exc:
            self._line_broken = written > 0 and data[written - 1] != ord("\n")
            first = not self.failing
            self.failing = True
            return exc if first else None
        self._line_broken = False
        self.failing = False
        return None

    def close(self) -> OSError | None:
        error = self.flush()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        return error


class LogSink:
    """Where every log entry goes. `console_level` hides chattier entries from the
    terminal only; the file always gets everything."""

    def __init__(
        self,
        path: Path | None,
        console: Console | None,
        *,
        console_level: str = "info",
        json_console: bool = False,
    ) -> None:
        # Written in 64 KiB batches: one write per request would be a syscall on the hot
        # path. Warnings and errors are written at once; `flush_every` writes the rest.
        self._file = _LogFile(path) if path is not None else None
        self._console = console
        self._min_rank = LEVELS.index(console_level) if console_level in LEVELS else 1
        self._json_console = json_console
        self.tail = LogTail()
        self._seq = count(1)
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call `listener` with every new entry; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def write(
        self,
        level: str,
        message: str,
        *,
        step: str | None = None,
        trace_id: str | None = None,
        fields: dict[str, Any] | None = None,
        source: str = "steppe",
    ) -> None:
        level = level if level in LEVELS else "info"
        message = cap_text(message)
        entry: dict[str, Any] = {
            "seq": next(self._seq),
            "time": time.time(),
            "level": level,
            "msg": message,
            "step": step,
            "traceId": trace_id,
            "source": source,
        }
        if fields:
            entry["fields"] = fields
        text = json.dumps(entry, default=str, ensure_ascii=False)
        if fields and len(text) > LINE_LIMIT:
            fields = entry["fields"] = _capped_fields(fields)
            text = json.dumps(entry, default=str, ensure_ascii=False)
        data = (text + "\n").encode("utf-8", "surrogatepass")
        self.tail.append(entry, len(data))
        if self._file is not None:
            self._file_failed(self._file.write(data, flush=level in ("warn", "error")))
        if self._console is not None and LEVELS.index(level) >= self._min_rank:
            if self._json_console:
                self._console.out(json_line(entry), highlight=False)
            else:
                line = log_line(level, message, step=step, trace_id=trace_id, fields=fields)
                self._console.print(line)
        for listener in list(self._listeners):
            listener(entry)

    def _file_failed(self, error: OSError | None) -> None:
        """Warn, once until the file can be written again, that it cannot be."""
        if error is not None and self._file is not None:
            self.write(
                "warn",
                f"cannot write the log file {self._file.path} ({error.strerror or error}); "
                "its entries are lost until it can be written again, serving goes on",
                source="steppe",
            )

    async def flush_every(self, seconds: float = 0.25) -> None:
        """Flush the file now and then, so that `tail -f` sees entries soon."""
        while True:
            await trio.sleep(seconds)
            if self._file is not None:
                self._file_failed(self._file.flush())

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            error = file.close()
            if error is not None and self._console is not None:
                where = escape(str(file.path))
                self._console.print(f"[yellow]cannot write the log file {where}: {error}")


def _capped_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` when their JSON fits in `LINE_LIMIT` bytes; else their JSON, cut, under
    the key `truncated` (still an object, so every reader of `fields` keeps working)."""
    text = json.dumps(fields, default=str, ensure_ascii=False)
    if utf8_size(text) <= LINE_LIMIT:
        return fields
    return {"truncated": cap_text(text)}


def log_line(
    level: str,
    message: str,
    *,
    step: str | None = None,
    trace_id: str | None = None,
    fields: dict[str, Any] | None = None,
) -> str:
    """One readable console line (rich markup) for a log entry."""
    clock = datetime.now().strftime("%H:%M:%S.%f")[:-3]
    style = LEVEL_STYLES.get(level, "")
    parts = [f"[dim]{clock}[/dim]", f"[{style}]{level.upper():5}[/{style}]"]
    if step:
        parts.append(f"[bold]{escape(step)}[/bold]")
    parts.append(escape(message))
    if fields:
        parts.append(f"[dim]{escape(json.dumps(fields, default=str, ensure_ascii=False))}[/dim]")
    if trace_id:
        parts.append(f"[dim]trace={escape(trace_id)}[/dim]")
    return " ".join(parts)

"""Structured logs: JSON lines in a file under `.steppe/`, readable lines on the console,
and a short in-memory tail for the admin API. Every entry carries traceId and step."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import trio
from rich.console import Console
from rich.markup import escape

from orchestrator.core.json_lines import json_line

LEVELS = ("debug", "info", "warn", "error")
LEVEL_STYLES = {"debug": "dim", "info": "cyan", "warn": "yellow", "error": "bold red"}
_TAIL = 2000


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
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Block-buffered: one write per request would be a syscall on the hot path.
            # Warnings and errors are flushed at once; `flush_every` flushes the rest.
            self._file = path.open("a", encoding="utf-8")
        self._console = console
        self._min_rank = LEVELS.index(console_level) if console_level in LEVELS else 1
        self._json_console = json_console
        self.tail: deque[dict[str, Any]] = deque(maxlen=_TAIL)
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
        entry: dict[str, Any] = {
            "time": time.time(),
            "level": level,
            "msg": message,
            "step": step,
            "traceId": trace_id,
            "source": source,
        }
        if fields:
            entry["fields"] = fields
        self.tail.append(entry)
        text = json.dumps(entry, default=str, ensure_ascii=False)
        if self._file is not None:
            self._file.write(text + "\n")
            if level in ("warn", "error"):
                self._file.flush()
        if self._console is not None and LEVELS.index(level) >= self._min_rank:
            if self._json_console:
                self._console.out(json_line(entry), highlight=False)
            else:
                line = log_line(level, message, step=step, trace_id=trace_id, fields=fields)
                self._console.print(line)
        for listener in list(self._listeners):
            listener(entry)

    async def flush_every(self, seconds: float = 0.25) -> None:
        """Flush the file now and then, so that `tail -f` sees entries soon."""
        while True:
            await trio.sleep(seconds)
            if self._file is not None:
                self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


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

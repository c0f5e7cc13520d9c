"""`--json`: one JSON object per line on stdout, and nothing else there
(docs/reference.md §8).

Steppe's log entries (core/logs.py) and Python `logging` records (Hypercorn, the file
watcher, Steppe's own loggers) are written in one shape: `{time, level, step,
traceId, message, source, fields?}`, `time` in ISO 8601 UTC, so a log shipper reads
every line the same way.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

# logging's level names in Steppe's words (core/logs.LEVELS).
_LEVELS = {
    "DEBUG": "debug",
    "INFO": "info",
    "WARNING": "warn",
    "ERROR": "error",
    "CRITICAL": "error",
}


def stdout_console() -> Console:
    """A console that writes lines to stdout exactly as given: no wrapping, markup or
    colour, so every line stays one JSON object."""
    return Console(
        file=sys.stdout,
        soft_wrap=True,
        highlight=False,
        markup=False,
        emoji=False,
        color_system=None,
    )


def json_line(entry: dict[str, Any]) -> str:
    """A log entry (core/logs.py) as its --json line."""
    line: dict[str, Any] = {
        "time": _iso(entry["time"]),
        "level": entry["level"],
        "step": entry.get("step"),
        "traceId": entry.get("traceId"),
        "message": entry["msg"],
        "source": entry.get("source"),
    }
    if entry.get("fields"):
        line["fields"] = entry["fields"]
    return json.dumps(line, default=str, ensure_ascii=False)


class JsonLogHandler(logging.Handler):
    """Python logging records as --json lines on stdout."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            entry = {
                "time": record.created,
                "level": _LEVELS.get(record.levelname, "info"),
                "msg": message,
                "source": record.name,
            }
            sys.stdout.write(json_line(entry) + "\n")
            sys.stdout.flush()
        except Exception:  # logging must never raise into the caller
            self.handleError(record)


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )

"""A failing test's logs, as text for its report: every entry of its traces, and the
warnings and errors written outside any trace, with a failed span's stack in full."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


def relevant(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries of a trace, and warnings or errors of no trace (a runner's stderr)."""
    return [e for e in entries if e.get("traceId") or e.get("level") in ("warn", "error")]


def format_logs(entries: list[dict[str, Any]]) -> str:
    return "\n".join(format_entry(e) for e in relevant(entries))


def format_entry(entry: dict[str, Any]) -> str:
    clock = datetime.fromtimestamp(float(entry.get("time") or 0)).strftime("%H:%M:%S.%f")[:-3]
    parts = [clock, f"{str(entry.get('level', 'info')).upper():5}"]
    if entry.get("step"):
        parts.append(f"{entry['step']}:")
    parts.append(str(entry.get("msg", "")))
    fields = dict(entry.get("fields") or {})
    span = fields.pop("span", None)
    if fields:
        parts.append(json.dumps(fields, default=str, ensure_ascii=False))
    if entry.get("traceId"):
        parts.append(f"trace={entry['traceId']}")
    line = " ".join(parts)
    error = span.get("error") if isinstance(span, dict) else None
    if isinstance(error, dict):
        header = f"{error.get('name')}: {error.get('message')}"
        stack = str(error.get("stack") or "")
        detail = stack if stack.startswith(header) else f"{header}\n{stack}".rstrip()
        line += "\n" + "\n".join(f"    {text}" for text in detail.splitlines())
    return line


def failed_traces(entries: list[dict[str, Any]]) -> str:
    """The entries of every trace that logged an error, as text: what a spec run that
    failed shows after its own output (a spec's runner cannot say which test failed)."""
    failed = {e.get("traceId") for e in entries if e.get("level") == "error" and e.get("traceId")}
    return format_logs([e for e in entries if e.get("traceId") in failed])

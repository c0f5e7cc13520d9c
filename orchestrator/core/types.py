"""Aliases and interfaces shared across layers."""

from __future__ import annotations

from typing import Any, Literal, Protocol

JSON = Any
"""A value with JSON semantics: what crosses the wire protocol and the HTTP surface."""

JSONMap = dict[str, Any]

Language = Literal["node", "python", "ruby"]
StepType = Literal["api", "event", "cron", "noop"]
LogLevel = Literal["debug", "info", "warn", "error"]
FileKind = Literal["step", "stream"]


class CallHandler(Protocol):
    """Serves a runner's request (a context call from a handler)."""

    async def __call__(self, method: str, params: JSONMap) -> JSON: ...


class NoteHandler(Protocol):
    """Receives a runner's notification (logs, ready)."""

    def __call__(self, method: str, params: JSONMap) -> None: ...

"""Aliases and interfaces shared across layers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

JSON = Any
"""A value with JSON semantics: what crosses the wire protocol and the HTTP surface."""

JSONMap = dict[str, Any]

Language = Literal["node", "python", "ruby"]
StepType = Literal["api", "event", "cron", "noop"]
LogLevel = Literal["debug", "info", "warn", "error"]
FileKind = Literal["step", "stream", "config"]
"""`config`: the project's `motia.config.ts|js`, whose functions (authenticateStream) count."""


# What a runner session hands its owner (rpc/session.py, runtime/supervisor.py).
RequestHandler = Callable[[str, Any], Awaitable[JSON]]
"""Serves a runner's request (a context call from a handler): method and params in."""
NoteHandler = Callable[[str, Any], None]
"""Receives a runner's notification (logs, ready)."""
LineHandler = Callable[[str], None]
"""Receives one line a runner wrote to stderr."""

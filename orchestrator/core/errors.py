"""The one rooted error hierarchy of Steppe.

Errors that reach a user name the file, the step and the field where they can.
"""

from __future__ import annotations

from typing import Any


class SteppeError(Exception):
    """Raised for any failure Steppe itself detects; the root of the hierarchy."""


class ProtocolError(SteppeError):
    """Raised when a runner sends bytes that are not a valid protocol frame."""


class RunnerError(SteppeError):
    """Raised when a runner cannot serve a call."""


class RunnerUnavailable(RunnerError):
    """Raised when no runner for a language is running or can be started."""


class RunnerCrashed(RunnerError):
    """Raised for a call in flight on a runner that died; the call may be retried."""

    retryable = True


class RunnerSetupError(SteppeError):
    """Raised when a language's runner cannot be started on this machine: its interpreter
    is missing, or the Node runner's npm packages cannot be installed. The message says
    what to install or fix."""


class RemoteError(SteppeError):
    """Raised when a runner answers a call with an error (the handler threw, the file failed)."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.name = _text(error.get("name")) or "Error"
        self.remote_message = _text(error.get("message"))
        stack = error.get("stack")
        self.stack = _text(stack) if isinstance(stack, str | bytes) else None
        line = error.get("line")
        self.line = line if isinstance(line, int) else None
        self.error = error
        super().__init__(f"{self.name}: {self.remote_message}")


class LoadTimeout(RunnerError):
    """Raised when a step file does not finish loading in time (it blocks at import)."""


class CallTimeout(RunnerError):
    """Raised when a runner does not answer a call within the time the caller gave it."""


class InvocationTimeout(SteppeError):
    """Raised when a handler does not answer within its timeout."""


class ConfigError(SteppeError):
    """Raised when a step or stream file, or the project settings, fail validation."""

    def __init__(self, path: str, message: str, field: str | None = None) -> None:
        self.path = path
        self.field = field
        self.detail = message
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(where + message)


class UsageError(SteppeError):
    """Raised when command-line arguments are wrong (bad JSON, a malformed NAME=VALUE)."""


class StepNotFound(SteppeError):
    """Raised when a command names a step that the project does not have."""


class CallbackError(SteppeError):
    """Raised when a runner's call back (emit, state, streams) is refused; the handler sees it."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message)


def _text(value: Any) -> str:
    """A runner's error field as text. Ruby packs strings it holds as binary (an
    exception message is often ASCII-8BIT) as msgpack bin, which arrives as bytes; it
    is read as UTF-8 rather than shown as `b'…'`."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)

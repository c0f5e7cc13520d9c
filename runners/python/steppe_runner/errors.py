"""Errors as the protocol carries them: `{name, message, stack, line}`."""

from __future__ import annotations

import os
import sysconfig
import traceback
from types import TracebackType
from typing import Any, ClassVar

from .values import SerializationError

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_STDLIB_DIRS = tuple(
    {os.path.join(sysconfig.get_path(key), "") for key in ("stdlib", "platstdlib")}
)


class CallError(Exception):
    """The orchestrator refused a context call (emit, state, streams); raised in the handler.

    `name` and `message` are the orchestrator's, so a handler can tell errors apart
    and an uncaught one reaches the caller unchanged. Use `CallError.named(name)`:
    its class is called `name` too, so tracebacks read `EmitError: ...`.
    """

    _classes: ClassVar[dict[str, type[CallError]]] = {}

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message

    @classmethod
    def named(cls, name: str, message: str) -> CallError:
        subclass = cls._classes.get(name)
        if subclass is None:
            # Module "builtins": tracebacks print the bare class name.
            subclass = type(name, (cls,), {"__module__": "builtins"})
            cls._classes[name] = subclass
        return subclass(name, message)


class ConfigError(Exception):
    """A file's `config` is missing or unusable."""


def error_info(exc: BaseException) -> dict[str, Any]:
    """The wire form of an exception raised by user code."""
    name = exc.name if isinstance(exc, CallError) else type(exc).__name__
    return {"name": name, "message": str(exc), "stack": format_stack(exc)}


def load_error_info(exc: BaseException, path: str) -> dict[str, Any]:
    """The wire form of a failed import of `path`; the message names the file and line."""
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == path:
        line = exc.lineno
    else:
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == path:
                line = tb.tb_lineno
            tb = tb.tb_next
    if isinstance(exc, SyntaxError) and exc.filename:
        # The error may sit in a module the step imports: name that file and line.
        message, where, where_line = exc.msg, exc.filename, exc.lineno
    else:
        message, where, where_line = str(exc), path, line
    location = f"{where}, line {where_line}" if where_line else where
    # A bad config is found by the runner, after the file ran: no stack of the user's to show.
    bad_config = isinstance(exc, ConfigError | SerializationError)
    return {
        "name": type(exc).__name__,
        "message": f"{message} ({location})",
        "stack": None if bad_config else format_stack(exc),
        "line": line,
    }


def format_stack(exc: BaseException) -> str:
    """The traceback from the first frame of user code, without the runner's frames."""
    tb = _user_frames(exc.__traceback__) or exc.__traceback__
    return "".join(traceback.format_exception(type(exc), exc, tb))


def _user_frames(tb: TracebackType | None) -> TracebackType | None:
    # The runner, asyncio, concurrent.futures and importlib frames that led into user
    # code say nothing about the error; nor do the runner's own frames further in
    # (the import recorder sits under every import a step makes while it loads).
    while tb is not None and _leads_in(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    frames = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            frames.append(tb)
        tb = tb.tb_next
    kept = None
    for frame in reversed(frames):
        kept = TracebackType(kept, frame.tb_frame, frame.tb_lasti, frame.tb_lineno)
    return kept


def _leads_in(filename: str) -> bool:
    return (
        filename.startswith(_PACKAGE_DIR)
        or filename.startswith(_STDLIB_DIRS)
        or filename.startswith("<frozen ")
    )

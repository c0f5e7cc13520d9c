"""What the runtime needs from the layer above it: someone to serve context calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from orchestrator.core.types import JSON, JSONMap, Language
from orchestrator.model.step import Step
from orchestrator.runtime.response_stream import ResponseStream


@dataclass(slots=True)
class Invocation:
    """One call of a step's function on a runner, alive until it answers."""

    iid: int
    owner: str  # the step (or stream) name, for logs
    language: Language
    trace_id: str
    step: Step | None = None
    emitted: list[str] = field(default_factory=list)
    cancelled: bool = False
    # How many emits deep in its trace this invocation runs (0 for a trigger).
    depth: int = 0
    # Its span's W3C `traceparent`, the parent of the events it emits.
    traceparent: str | None = None
    # The streamed answer its `response.write` calls feed (a Motia 1.0 http trigger).
    response: ResponseStream | None = None


@dataclass(frozen=True, slots=True)
class LogRecord:
    """A `log` note from a runner: a logger call, or text a step printed."""

    level: str
    message: str
    fields: JSONMap | None = None
    source: str = "logger"
    path: str | None = None


class RunnerHost(Protocol):
    """Serves what runners ask of the orchestrator."""

    async def handle_call(self, invocation: Invocation, method: str, params: JSONMap) -> JSON:
        """A context call (emit, state.*, streams.*) made by a running handler."""
        ...

    def handle_log(self, invocation: Invocation | None, record: LogRecord) -> None:
        """A log line, tied to an invocation or (while a file loads) to a path."""
        ...

    def handle_stderr(self, language: Language, line: str) -> None:
        """A line a runner wrote to its stderr outside any invocation."""
        ...


def log_record(params: Any) -> LogRecord:
    """A LogRecord from the params of a `log` note, tolerant of missing fields."""
    if not isinstance(params, dict):
        return LogRecord("info", repr(params))
    fields = params.get("fields")
    return LogRecord(
        level=str(params.get("level", "info")),
        message=str(params.get("msg", "")),
        fields=fields if isinstance(fields, dict) else None,
        source=str(params.get("source", "logger")),
        path=params.get("path") if isinstance(params.get("path"), str) else None,
    )

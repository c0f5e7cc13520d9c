"""Connection-level stream authentication (Motia 1.0): the project's `motia.config.ts|js`
may export `authenticateStream(input, ctx)`, called once per WebSocket connection (and per
REST read) with `{headers, path, queryParams, addr}`. Its `{context}` becomes the
connection's authContext for canAccess, onJoin and onLeave. Without it, the authContext is
Motia 0.17's `{token}`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestrator.core.errors import SteppeError
from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import new_trace_id
from orchestrator.core.types import JSON, JSONMap
from orchestrator.services.invoker import FunctionCaller
from orchestrator.services.project import AUTHENTICATE_FUNCTION

AUTH_OWNER = "authenticateStream"
"""The name its logs and errors go under (it belongs to no step or stream)."""


@dataclass(frozen=True, slots=True)
class Authentication:
    """The connection's authContext, or why the connection is refused (`refusal` set)."""

    context: JSON = None
    refusal: str | None = None


class ConnectionAuth:
    def __init__(self, pool: FunctionCaller, logs: LogSink, timeout: float) -> None:
        self._pool = pool
        self._logs = logs
        self._timeout = timeout
        self.file: Path | None = None  # the motia.config.* exporting authenticateStream

    async def authenticate(self, request: JSONMap, token: str | None) -> Authentication:
        """The authContext for a connection that sent `request` and `token`.

        With no authenticateStream, `{token}` (Motia 0.17's). Otherwise its result's
        `context` (null when it has none). A throw, a timeout, or a result that is not an
        object refuses the connection. Motia's engine (stream/stream.rs `ws_handler`)
        would admit it anonymously instead; Steppe does not open a stream on a broken or
        empty answer. The client hears only that authentication failed; the log has why.
        """
        if self.file is None:
            return Authentication({"token": token})
        trace_id = new_trace_id()
        try:
            result = await self._pool.invoke(
                language="node",
                path=self.file,
                owner=AUTH_OWNER,
                trace_id=trace_id,
                fn=AUTHENTICATE_FUNCTION,
                input=request,
                timeout=self._timeout,
            )
        except SteppeError as exc:
            self._log(f"authenticateStream failed: {exc}", trace_id)
            return Authentication(refusal="stream authentication failed")
        if not isinstance(result, dict):
            self._log(f"authenticateStream returned {_kind(result)}, not {{context}}", trace_id)
            return Authentication(refusal="stream authentication refused the connection")
        return Authentication(result.get("context"))

    def _log(self, message: str, trace_id: str) -> None:
        self._logs.write("error", message, step=AUTH_OWNER, trace_id=trace_id, source="streams")


def _kind(value: JSON) -> str:
    if value is None:
        return "nothing"
    return "an array" if isinstance(value, list) else f"a {type(value).__name__}"

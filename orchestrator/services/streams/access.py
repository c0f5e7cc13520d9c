"""Stream access control: a stream's `canAccess(subscription, authContext)`, run on its
runner, decides whether a client may join (WebSocket) or read (REST) a group or item."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.core.errors import SteppeError
from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import new_trace_id
from orchestrator.core.types import JSONMap
from orchestrator.model.step import StreamDef
from orchestrator.services.invoker import FunctionCaller

ACCESS_FUNCTION = "canAccess"


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether access is granted, and if not, what the client is told."""

    allowed: bool
    reason: str = ""


class AccessChecker:
    def __init__(self, pool: FunctionCaller, logs: LogSink, timeout: float) -> None:
        self._pool = pool
        self._logs = logs
        self._timeout = timeout

    async def check(self, stream: StreamDef, subscription: JSONMap, token: str | None) -> Decision:
        """Granted when the stream defines no canAccess, or when it returns `true`.

        Anything else denies, including a canAccess that throws or times out: a
        broken check must not open the stream. The client hears only that access was
        denied; the log has the details.
        """
        if ACCESS_FUNCTION not in stream.handlers:
            return Decision(True)
        trace_id = new_trace_id()
        try:
            result = await self._pool.invoke(
                language=stream.language,
                path=stream.path,
                owner=stream.name,
                trace_id=trace_id,
                fn=ACCESS_FUNCTION,
                input={"subscription": subscription, "authContext": {"token": token}},
                timeout=self._timeout,
            )
        except SteppeError as exc:
            self._logs.write(
                "error",
                f"canAccess of stream '{stream.name}' failed: {exc}",
                step=stream.name,
                trace_id=trace_id,
                source="streams",
            )
            return Decision(False, f"the access check of stream '{stream.name}' failed")
        if result is True:
            return Decision(True)
        return Decision(False, f"access to stream '{stream.name}' denied")

"""Stream access control, run on the stream's runner: Motia 0.17's `canAccess(subscription,
authContext)` decides whether a client may join (WebSocket) or read (REST) a group or item;
Motia 1.0's `onJoin(subscription, ctx, authContext)` may refuse a join with
`{unauthorized: true}`, and `onLeave` hears of every subscription that ends."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from orchestrator.core.errors import SteppeError
from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import new_trace_id
from orchestrator.core.types import JSON, JSONMap
from orchestrator.model.step import StreamDef
from orchestrator.services.invoker import FunctionCaller

ACCESS_FUNCTION = "canAccess"
JOIN_FUNCTION = "onJoin"
LEAVE_FUNCTION = "onLeave"


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

    async def check(self, stream: StreamDef, subscription: JSONMap, auth_context: JSON) -> Decision:
        """Granted when the stream defines no canAccess, or when it returns `true`.

        Anything else denies, including a canAccess that throws or times out: a
        broken check must not open the stream. The client hears only that access was
        denied; the log has the details.
        """
        if ACCESS_FUNCTION not in stream.handlers:
            return Decision(True)
        input = {"subscription": subscription, "authContext": auth_context}
        try:
            result = await self._call(stream, ACCESS_FUNCTION, input)
        except SteppeError:
            return Decision(False, f"the access check of stream '{stream.name}' failed")
        if result is True:
            return Decision(True)
        return Decision(False, f"access to stream '{stream.name}' denied")

    async def read(self, stream: StreamDef, subscription: JSONMap, auth_context: JSON) -> Decision:
        """A REST read (Steppe's own): canAccess decides. A stream that guards joins
        with onJoin alone is not readable this way: onJoin is a join, with effects that
        only a matching onLeave undoes, and skipping it would open what it guards."""
        if JOIN_FUNCTION in stream.handlers and ACCESS_FUNCTION not in stream.handlers:
            return Decision(
                False, f"stream '{stream.name}' admits clients in onJoin, over WebSocket only"
            )
        return await self.check(stream, subscription, auth_context)

    async def join(self, stream: StreamDef, subscription: JSONMap, auth_context: JSON) -> Decision:
        """canAccess, then onJoin: a join is refused when canAccess does not grant it or
        onJoin answers `{unauthorized: true}` (Motia's engine, stream/connection.rs:
        anything else admits). An onJoin that throws refuses, as a broken canAccess does
        (Motia's engine would admit the client)."""
        decision = await self.check(stream, subscription, auth_context)
        if not decision.allowed or JOIN_FUNCTION not in stream.handlers:
            return decision
        input = {"subscription": hook_subscription(subscription), "authContext": auth_context}
        try:
            result = await self._call(stream, JOIN_FUNCTION, input)
        except SteppeError:
            return Decision(False, f"the access check of stream '{stream.name}' failed")
        if isinstance(result, dict) and result.get("unauthorized") is True:
            return Decision(False, f"access to stream '{stream.name}' denied")
        return Decision(True)

    async def leave(self, stream: StreamDef, subscription: JSONMap, auth_context: JSON) -> None:
        """Tell the stream's onLeave, if it has one, that a subscription ended; a failure
        is logged, and changes nothing."""
        if LEAVE_FUNCTION not in stream.handlers:
            return
        input = {"subscription": hook_subscription(subscription), "authContext": auth_context}
        with contextlib.suppress(SteppeError):  # logged by _call
            await self._call(stream, LEAVE_FUNCTION, input)

    async def _call(self, stream: StreamDef, fn: str, input: JSONMap) -> JSON:
        """Run one of the stream's functions; a failure is logged, then raised."""
        trace_id = new_trace_id()
        try:
            return await self._pool.invoke(
                language=stream.language,
                path=stream.path,
                owner=stream.name,
                trace_id=trace_id,
                fn=fn,
                input=input,
                timeout=self._timeout,
            )
        except SteppeError as exc:
            self._logs.write(
                "error",
                f"{fn} of stream '{stream.name}' failed: {exc}",
                step=stream.name,
                trace_id=trace_id,
                source="streams",
            )
            raise


def hook_subscription(subscription: JSONMap) -> JSONMap:
    """The subscription as onJoin/onLeave get it: Motia 1.0's `{groupId, id}` always has
    `id` (undefined / None for a group), which Python's `subscription.id` relies on."""
    return {**subscription, "id": subscription.get("id")}

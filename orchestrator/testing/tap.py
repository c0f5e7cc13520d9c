"""Every event a test's flows emit, as Motia's tester captures it.

The tap stands between the handlers' context and the event bus: each emit is passed
on unchanged, then recorded as `{topic, data, traceId, flows}` (and `messageGroupId`
or `idempotencyKey` when the handler gave one), the shape of `CapturedEvent` in
Motia 0.17's packages/test/src/types.ts: the `Event` the emitting step published
(packages/core/src/call-step-file.ts spreads the handler's emit and adds `traceId`
and the step's `flows`), without its logger and tracer.
"""

from __future__ import annotations

from typing import Any

from orchestrator.core.types import JSON
from orchestrator.model.step import Step
from orchestrator.runtime.host import Invocation
from orchestrator.services.context import Emitter
from orchestrator.services.emit_request import EmitRequest
from orchestrator.testing.journal import Journal


def captured_event(event: EmitRequest, trace_id: str, flows: JSON) -> dict[str, Any]:
    """The captured form. `flows` is left out when the step declared none, as Motia's
    `flows: step.config.flows` is then undefined."""
    captured: dict[str, Any] = {"topic": event.topic, "data": event.data, "traceId": trace_id}
    if flows is not None:
        captured["flows"] = flows
    if event.message_group_id is not None:
        captured["messageGroupId"] = event.message_group_id
    if event.idempotency_key is not None:
        captured["idempotencyKey"] = event.idempotency_key
    return captured


class EventTap:
    """An Emitter that records what it passes on to the bus."""

    def __init__(self, bus: Emitter) -> None:
        self._bus = bus
        self.events = Journal()

    async def emit(
        self, invocation: Invocation, event: EmitRequest, subscribers: list[Step]
    ) -> None:
        await self._bus.emit(invocation, event, subscribers)
        flows = invocation.step.config.get("flows") if invocation.step else None
        self.record(event, invocation.trace_id, flows)

    def record(self, event: EmitRequest, trace_id: str, flows: JSON) -> None:
        self.events.append(captured_event(event, trace_id, flows))

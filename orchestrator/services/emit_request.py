"""What a handler passed to `emit` (docs/reference.md §3), as the bus accepts it."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.core.types import JSON


@dataclass(frozen=True, slots=True)
class EmitRequest:
    """What a handler passed to `emit`."""

    topic: str
    data: JSON
    idempotency_key: str | None = None
    message_group_id: str | None = None
    delay_seconds: float | None = None
    """Deliver no sooner than this many seconds from now (`delaySeconds`, or `delay`)."""

"""State and stream triggers (docs/reference.md §2, "State and stream triggers"): a change
of a state key or a stream item becomes one delivery per watching trigger, through the
event bus's durable queue like an event.

What a trigger gets is Motia 1.0's (docs/content/docs/advanced-features/
reactive-triggers.mdx: `StateTriggerInput`, `StreamWrapperMessage`); which stream
changes a trigger sees is its streamName, groupId and itemId (the engine's
modules/stream/trigger.rs); its condition runs in the runner when the delivery starts
(services/invoker.py), as Motia's engine asks the condition before each call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from orchestrator.core.types import JSON, JSONMap
from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger
from orchestrator.runtime.host import Invocation
from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.project import Project

ItemChange = Literal["create", "update", "delete"]
StreamEventType = Literal[ItemChange, "event"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Who made a change: the trace its deliveries continue, one level deeper."""

    trace_id: str
    source: str | None
    depth: int = 0
    traceparent: str | None = None

    @classmethod
    def of(cls, invocation: Invocation) -> Origin:
        return cls(invocation.trace_id, invocation.owner, invocation.depth, invocation.traceparent)


class Publisher(Protocol):
    """Accepts deliveries durably (the event bus's `publish`)."""

    async def publish(
        self,
        request: EmitRequest,
        subscribers: list[Step],
        trace_id: str,
        source: str | None,
        depth: int = 1,
        *,
        traceparent: str | None = None,
    ) -> Any: ...


class ChangeTriggers:
    """Knows which steps watch state and which streams; turns a change into deliveries.

    Deliveries are accepted (durable with SQLite or Redis) before the call that made
    the change returns: the change is committed first, then its deliveries; a crash
    between the two loses the deliveries of that one change."""

    def __init__(
        self,
        steps: Mapping[str, Step],
        publisher: Publisher,
        start_trace: Callable[[str, str], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`start_trace(trigger, detail)` opens a trace for a change nobody's handler
        made (the admin API, a stream item's expiry)."""
        self._publisher = publisher
        self._start_trace = start_trace
        self._clock = clock
        self._state: list[tuple[Step, Trigger]] = []
        self._streams: dict[str, list[tuple[Step, Trigger]]] = {}
        self._index(steps)

    def use_project(self, project: Project) -> None:
        """Watch for a reloaded project's triggers."""
        self._index(project.steps)

    def _index(self, steps: Mapping[str, Step]) -> None:
        state: list[tuple[Step, Trigger]] = []
        streams: dict[str, list[tuple[Step, Trigger]]] = {}
        for step in steps.values():
            for trigger in step.change_triggers:
                if trigger.type == "state":
                    state.append((step, trigger))
                else:
                    streams.setdefault(trigger.stream_name, []).append((step, trigger))
        self._state, self._streams = state, streams

    @property
    def watches_state(self) -> bool:
        """Whether any step has a state trigger (if not, state writes read no old value)."""
        return bool(self._state)

    async def state_changed(
        self, origin: Origin | None, group: str, key: str, old: JSON, new: JSON
    ) -> None:
        """One delivery per state trigger: `{type: 'state', group_id, item_id,
        old_value, new_value}`, null where there is none."""
        if not self._state:
            return
        data: JSONMap = {
            "type": "state", "group_id": group, "item_id": key,
            "old_value": old, "new_value": new,
        }  # fmt: skip
        origin = origin or self._new_origin("state", f"{group}/{key}")
        for step, trigger in self._state:
            await self._deliver(origin, step, trigger, data)

    async def stream_changed(
        self,
        origin: Origin | None,
        stream: str,
        group: str,
        item_id: str | None,
        kind: StreamEventType,
        data: JSON,
    ) -> None:
        """One delivery per stream trigger that watches the item (for a custom event,
        `item_id` is the channel's, or None): `{type: 'stream', timestamp, streamName,
        groupId, id, event: {type, data}}`. Nothing to do (a dict lookup) when no
        trigger watches the stream."""
        watching = [
            (step, trigger)
            for step, trigger in self._streams.get(stream, ())
            if trigger.watches_stream(stream, group, item_id)
        ]
        if not watching:
            return
        message: JSONMap = {
            "type": "stream", "timestamp": int(self._clock() * 1000), "streamName": stream,
            "groupId": group, "id": item_id, "event": {"type": kind, "data": data},
        }  # fmt: skip
        origin = origin or self._new_origin("stream", f"{stream}/{group}")
        for step, trigger in watching:
            await self._deliver(origin, step, trigger, message)

    def _new_origin(self, kind: str, detail: str) -> Origin:
        return Origin(self._start_trace(kind, detail), None)

    async def _deliver(self, origin: Origin, step: Step, trigger: Trigger, data: JSONMap) -> None:
        await self._publisher.publish(
            EmitRequest(trigger.delivery_topic, data),
            [step],
            origin.trace_id,
            origin.source,
            origin.depth + 1,
            traceparent=origin.traceparent,
        )

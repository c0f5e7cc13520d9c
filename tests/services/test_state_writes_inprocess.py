"""State writes and state triggers in process: a counting store and a recording publisher,
no runner. A project without a state trigger pays nothing for them: its writes are the
store's plain ones, which read no old value (docs/reference.md §2, "State and stream
triggers")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator.core.types import JSON
from orchestrator.model.step import Step
from orchestrator.services.change_triggers import ChangeTriggers, Origin
from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.state_writes import StateWriter
from orchestrator.stores.state.memory import MemoryStateStore
from orchestrator.stores.update_ops import UpdateOp


class CountingStore(MemoryStateStore):
    """Counts the writes that read the old value back."""

    def __init__(self) -> None:
        super().__init__()
        self.old_reads = 0

    async def replace(self, group: str, key: str, value: JSON) -> JSON:
        self.old_reads += 1
        return await super().replace(group, key, value)

    async def pop_group(self, group: str) -> list[tuple[str, JSON]]:
        self.old_reads += 1
        return await super().pop_group(group)


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[tuple[EmitRequest, list[str], str, str | None, int]] = []

    async def publish(
        self,
        request: EmitRequest,
        subscribers: list[Step],
        trace_id: str,
        source: str | None,
        depth: int = 1,
        *,
        traceparent: str | None = None,
    ) -> Any:
        self.published.append((request, [s.name for s in subscribers], trace_id, source, depth))


def v1_step(name: str, *triggers: dict[str, Any]) -> Step:
    config = {"name": name, "triggers": list(triggers)}
    return Step(name, "noop", Path(f"steps/{name}.step.ts"), "node", config)


def writer_for(*steps: Step) -> tuple[StateWriter, CountingStore, RecordingPublisher]:
    store, publisher = CountingStore(), RecordingPublisher()
    changes = ChangeTriggers(
        {s.name: s for s in steps}, publisher, lambda kind, detail: f"new-{kind}-{detail}"
    )
    return StateWriter(store, changes), store, publisher


async def _write_everything(writer: StateWriter, origin: Origin | None) -> None:
    await writer.set("g", "a", 1, origin)
    await writer.set("g", "a", 2, origin)
    await writer.update("g", "b", [UpdateOp("increment", "n", by=1)], origin)
    await writer.delete("g", "a", origin)
    await writer.delete("g", "missing", origin)
    await writer.set("g", "c", 3, origin)
    await writer.clear("g", origin)


async def test_without_state_triggers_no_write_reads_an_old_value() -> None:
    queue_only = v1_step("Q", {"type": "queue", "topic": "t"})
    streams_only = v1_step("S", {"type": "stream", "streamName": "s"})
    writer, store, publisher = writer_for(queue_only, streams_only)
    await _write_everything(writer, None)
    assert store.old_reads == 0
    assert publisher.published == []
    assert await store.groups() == []


async def test_with_a_state_trigger_each_change_is_one_delivery() -> None:
    watcher = v1_step("W", {"type": "http", "method": "GET", "path": "/"}, {"type": "state"})
    writer, store, publisher = writer_for(watcher)
    origin = Origin("trace-1", "Writer", depth=2, traceparent="00-ab-cd-01")
    await _write_everything(writer, origin)
    changes = [
        (request.data["item_id"], request.data["old_value"], request.data["new_value"])
        for request, *_ in publisher.published
    ]
    assert changes == [
        ("a", None, 1),
        ("a", 1, 2),
        ("b", None, {"n": 1}),
        ("a", 2, None),  # deleting "missing" changed nothing: no delivery
        ("c", None, 3),
        ("b", {"n": 1}, None),  # clear: one change per key removed, in key order
        ("c", 3, None),
    ]
    request, subscribers, trace_id, source, depth = publisher.published[0]
    assert request.topic == "<state trigger 1>" and subscribers == ["W"]
    assert request.data["type"] == "state" and request.data["group_id"] == "g"
    assert (trace_id, source, depth) == ("trace-1", "Writer", 3)
    assert store.old_reads == 4  # three sets and one clear


async def test_a_change_nobody_s_handler_made_starts_a_trace() -> None:
    writer, _store, publisher = writer_for(v1_step("W", {"type": "state"}))
    await writer.set("jobs", "j1", True, None)
    (_, _, trace_id, source, depth) = publisher.published[0]
    assert (trace_id, source, depth) == ("new-state-jobs/j1", None, 1)

"""`steppe run STEP --data JSON`: invoke one step once and record what it did.

Emits are checked (declared topic, subscriber schemas) and recorded, not
delivered; state lives in memory for the run, so nothing on disk changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from orchestrator.core.errors import StepNotFound, SteppeError
from orchestrator.core.tracing import Tracer
from orchestrator.core.types import JSON
from orchestrator.model.step import Step
from orchestrator.model.validation import DataValidator
from orchestrator.runtime.host import Invocation
from orchestrator.services.context import ContextRouter, EmitChecker
from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.invoker import NO_INPUT, SKIPPED, StepInvoker
from orchestrator.services.streams.setup import open_streams
from orchestrator.stores.state.memory import MemoryStateStore
from orchestrator.stores.update_ops import UpdateOp, UpdateResult
from orchestrator.wiring.runtime import Runtime


@dataclass(frozen=True, slots=True)
class StateWrite:
    op: str  # set, update (value: the new value), delete or clear
    group: str
    key: str | None
    value: JSON = None

    def as_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"op": self.op, "group": self.group}
        if self.key is not None:
            entry["key"] = self.key
        if self.op in ("set", "update"):
            entry["value"] = self.value
        return entry


class RecordingState(MemoryStateStore):
    """Memory state that remembers every write, for the run report."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[StateWrite] = []

    async def set(self, group: str, key: str, value: JSON) -> JSON:
        self.writes.append(StateWrite("set", group, key, value))
        return await super().set(group, key, value)

    async def replace(self, group: str, key: str, value: JSON) -> JSON:
        # A set that reads the old value (state triggers', and 1.0's stateManager.set).
        self.writes.append(StateWrite("set", group, key, value))
        return await super().replace(group, key, value)

    async def update(self, group: str, key: str, ops: list[UpdateOp]) -> UpdateResult:
        result = await super().update(group, key, ops)
        self.writes.append(StateWrite("update", group, key, result.new_value))
        return result

    async def delete(self, group: str, key: str) -> JSON:
        self.writes.append(StateWrite("delete", group, key))
        return await super().delete(group, key)

    async def clear(self, group: str) -> None:
        self.writes.append(StateWrite("clear", group, None))
        await super().clear(group)


@dataclass
class RecordingEmitter:
    emitted: list[EmitRequest] = field(default_factory=list)

    async def emit(
        self, invocation: Invocation, event: EmitRequest, subscribers: list[Step]
    ) -> None:
        self.emitted.append(event)


@dataclass
class RunReport:
    step: Step
    trace_id: str
    result: JSON
    emitted: list[EmitRequest]
    writes: list[StateWrite]

    def as_json(self) -> dict[str, Any]:
        """What `steppe run` prints (docs/reference.md §9)."""
        return {
            "step": self.step.name,
            "traceId": self.trace_id,
            "result": self.result,
            "emits": [{"topic": e.topic, "data": e.data} for e in self.emitted],
            "stateWrites": [w.as_json() for w in self.writes],
        }


class InputRejected(SteppeError):
    """Raised when `--data` does not match the step's body or input schema."""


def build_input(step: Step, data: Any, path_params: dict[str, str], query: dict[str, str]) -> Any:
    """The handler's input for the step's first trigger; validates `data` against its
    schema. A 1.0 http step gets 1.0's `{request}`."""
    trigger = step.triggers[0] if step.triggers else None
    schema = None
    if trigger is not None:
        schema = trigger.body_schema if trigger.type == "http" else trigger.input_schema
    if schema:
        errors = DataValidator(schema).errors(data)
        if errors:
            details = "; ".join(f"{e.path or '(data)'}: {e.message}" for e in errors)
            raise InputRejected(f"--data does not match {step.name}'s schema: {details}")
    if trigger is not None and trigger.type == "http":
        request = {"body": data, "headers": {}, "pathParams": path_params, "queryParams": query}
        if not step.is_v1:
            return request
        raw = b"" if data is None else json.dumps(data).encode()  # `request.requestBody`
        return {"request": request | {"method": trigger.method, "requestBody": raw}}
    return data


async def run_step(
    runtime: Runtime,
    name: str,
    data: Any,
    path_params: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> RunReport:
    """Invoke the step once; raises StepNotFound, InputRejected, RemoteError, RunnerError."""
    step = runtime.project.steps.get(name)
    if step is None:
        known = ", ".join(sorted(runtime.project.steps)) or "none"
        raise StepNotFound(f"no step named '{name}' (steps: {known})")
    if step.type == "noop" and not step.triggers:
        raise StepNotFound(f"{name} is a noop step: it has no handler to run")
    state = RecordingState()
    emitter = RecordingEmitter()
    # Streams live in memory for the run, like state: `steppe run` changes nothing on disk.
    in_memory = replace(runtime.settings, state="memory")
    project = runtime.project
    async with open_streams(
        in_memory, project.root, runtime.pool, project, runtime.host.logs
    ) as streams:
        runtime.host.router = ContextRouter(state, emitter, EmitChecker(project.steps), streams)
        invoker = StepInvoker(runtime.pool, Tracer(runtime.host.logs), in_memory.handler_timeout)
        trace_id = invoker.tracer.start_trace("cli", f"steppe run {name}")
        trigger = step.triggers[0] if step.triggers else None
        handler_input = (
            NO_INPUT
            if trigger is not None and trigger.type == "cron"
            else build_input(step, data, path_params or {}, query or {})
        )
        result = await invoker.invoke(step, trace_id, handler_input, trigger=trigger)
        if result is SKIPPED:  # the trigger's condition said no: nothing ran
            result = None
    return RunReport(step, trace_id, result, emitter.emitted, state.writes)

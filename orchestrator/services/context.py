"""Serving the handler context (docs/reference.md §3): a runner's context calls, routed to services.

One router serves every language, so `emit`, `state` and `streams` behave the
same whichever runner a handler runs on.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from orchestrator.core.errors import CallbackError
from orchestrator.core.json_depth import DEFAULT_MAX_JSON_DEPTH, deeper_than
from orchestrator.core.types import JSON, JSONMap
from orchestrator.model.step import Step
from orchestrator.model.validation import DataValidator, FieldError
from orchestrator.runtime.host import Invocation
from orchestrator.services.change_triggers import ChangeTriggers, Origin
from orchestrator.services.emit_request import EmitRequest
from orchestrator.services.project import Project
from orchestrator.services.state_writes import StateWriter
from orchestrator.stores.state.base import StateStore
from orchestrator.stores.update_ops import parse_ops


class Emitter(Protocol):
    """Takes an emit that passed the checks (the event bus, or a recorder for `steppe run`)."""

    async def emit(
        self, invocation: Invocation, event: EmitRequest, subscribers: list[Step]
    ) -> None: ...


class StreamsService(Protocol):
    """Serves `streams.*` calls."""

    async def call(self, invocation: Invocation, method: str, params: JSONMap) -> JSON: ...


@dataclass
class EmitChecker:
    """The checks every emit passes before it is accepted: the data fits the `input` of
    every subscriber, and the topic is one the emitting step may emit.

    Which topics a step may emit follows Motia 0.17's `isAllowedToEmit`
    (packages/core/src/utils.ts): any topic when its `emits` is empty; otherwise the
    listed ones. Motia drops an unlisted topic with a warning; Steppe delivers it and
    warns once per step and topic (it shows as an undeclared edge in the flow graph),
    unless `strict` (the `strict_emits` setting) makes it an error again."""

    steps: Mapping[str, Step]
    warn: Callable[[Step, str], None] | None = None
    strict: bool = False
    undeclared: dict[str, set[str]] = field(default_factory=dict)
    """Topics each step emitted without declaring them (step name → topics)."""
    # By step and topic: a 1.0 step's queue triggers each have their own `input`.
    _validators: dict[tuple[str, str], DataValidator | None] = field(default_factory=dict)
    # Subscribers by topic, found on the first emit of each (not a scan of every step
    # per emit: that was a twentieth of the event chain's time).
    _subscribers: dict[str, list[Step]] = field(default_factory=dict)

    def use_project(self, project: Project) -> None:
        """Check against a reloaded project's steps."""
        self.steps = project.steps
        self._validators = {}
        self._subscribers = {}

    def check(self, emitter: Step | None, event: EmitRequest) -> list[Step]:
        """The subscribers of the topic; raises CallbackError naming what is wrong."""
        if emitter is not None and event.topic not in emitter.emit_topics:
            self._undeclared(emitter, event.topic)
        fits = self.check_subscribers(event.topic, event.data)
        for subscriber, errors in fits:
            if errors:
                details = "; ".join(f"{e.path or '(data)'}: {e.message}" for e in errors)
                raise CallbackError(
                    "ValidationError",
                    f"emit '{event.topic}': data does not match the input of "
                    f"{subscriber.name} [{subscriber.path}]: {details}",
                )
        return [subscriber for subscriber, _ in fits]

    def _undeclared(self, emitter: Step, topic: str) -> None:
        if self.strict:
            declared = ", ".join(sorted(emitter.emit_topics)) or "nothing"
            raise CallbackError(
                "UndeclaredTopic",
                f"{emitter.name} emitted '{topic}', which is not in its emits "
                f"(it declares {declared}) [{emitter.path}]",
            )
        if not emitter.emit_topics:
            return  # no `emits` at all: any topic, as Motia allows
        seen = self.undeclared.setdefault(emitter.name, set())
        if topic not in seen:
            seen.add(topic)
            if self.warn is not None:
                self.warn(emitter, topic)

    def check_subscribers(self, topic: str, data: JSON) -> list[tuple[Step, list[FieldError]]]:
        """Each subscriber of `topic`, with what in `data` does not fit its `input`
        (empty when it fits, or when it declares none). Raises nothing: the workbench
        shows every subscriber's verdict."""
        subscribers = self._subscribers.get(topic)
        if subscribers is None:
            subscribers = [step for step in self.steps.values() if topic in step.subscribes]
            self._subscribers[topic] = subscribers
        return [(step, self._errors(step, topic, data)) for step in subscribers]

    def _errors(self, step: Step, topic: str, data: JSON) -> list[FieldError]:
        validator = self._validator(step, topic)
        return validator.errors(data) if validator else []

    def _validator(self, step: Step, topic: str) -> DataValidator | None:
        key = (step.name, topic)
        if key not in self._validators:
            schema = step.input_schema_for(topic)
            self._validators[key] = DataValidator(schema) if schema else None
        return self._validators[key]


def parse_emit(params: JSONMap) -> EmitRequest:
    """The emit a handler asked for, or CallbackError when it has no topic."""
    topic = params.get("topic")
    if not isinstance(topic, str) or not topic:
        raise CallbackError("ValidationError", "emit needs a 'topic' (a non-empty string)")
    key = params.get("idempotencyKey")
    group = params.get("messageGroupId")
    return EmitRequest(
        topic,
        params.get("data"),
        str(key) if key is not None else None,
        str(group) if group is not None else None,
        _delay(topic, params),
    )


def _delay(topic: str, params: JSONMap) -> float | None:
    """`delaySeconds` (Motia's name in queue configs) or its short form `delay`, in seconds."""
    name = "delaySeconds" if params.get("delaySeconds") is not None else "delay"
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise CallbackError(
            "ValidationError",
            f"emit '{topic}': {name} must be a number of seconds, 0 or more (got {value!r})",
        )
    return float(value)


Handler = Callable[[Invocation, JSONMap], Awaitable[JSON]]


class ContextRouter:
    """Dispatches each context call to the service that owns it."""

    def __init__(
        self,
        state: StateStore,
        emitter: Emitter,
        checker: EmitChecker,
        streams: StreamsService | None = None,
        *,
        changes: ChangeTriggers | None = None,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
    ) -> None:
        """`changes`: the state triggers each write is reported to (none: plain writes)."""
        self.state = state
        self._writes = StateWriter(state, changes)
        self._max_json_depth = max_json_depth
        self._emitter = emitter
        self._checker = checker
        self._streams = streams
        self._methods: dict[str, Handler] = {
            "emit": self._emit,
            "state.get": self._state_get,
            "state.set": self._state_set,
            "state.delete": self._state_delete,
            "state.getGroup": self._state_get_group,
            "state.clear": self._state_clear,
            # Motia 1.0's names (frameworks/motia/motia-js/packages/motia/src/new/state.ts).
            "state.list": self._state_get_group,
            "state.listGroups": self._state_list_groups,
            "state.update": self._state_update,
            # 1.0's `set` answer, {new_value, old_value}: the old value read atomically.
            "state.replace": self._state_replace,
            "response.write": self._response_write,
        }

    async def handle_call(self, invocation: Invocation, method: str, params: JSONMap) -> JSON:
        # The value a call carries sits one level inside its params ({group, key, value},
        # {topic, data}), or three in an update ({ops: [{value}]}): the params may nest
        # that much more than the limit.
        inside = 3 if method.endswith(".update") else 1
        if deeper_than(params, self._max_json_depth + inside):
            raise CallbackError(
                "ValidationError",
                f"{method}: the value is nested deeper than {self._max_json_depth} levels "
                "(max_json_depth)",
            )
        handler = self._methods.get(method)
        if handler is not None:
            return await handler(invocation, params)
        if method.startswith("streams.") and self._streams is not None:
            return await self._streams.call(invocation, method, params)
        raise CallbackError("UnknownMethod", f"the context has no '{method}'")

    async def _response_write(self, invocation: Invocation, params: JSONMap) -> None:
        if invocation.response is None:
            raise CallbackError(
                "NotStreaming",
                f"{invocation.owner}: response.stream is only for a Motia 1.0 http trigger",
            )
        await invocation.response.write(params)

    async def _emit(self, invocation: Invocation, params: JSONMap) -> None:
        event = parse_emit(params)
        subscribers = self._checker.check(invocation.step, event)
        await self._emitter.emit(invocation, event, subscribers)
        invocation.emitted.append(event.topic)

    async def _state_get(self, invocation: Invocation, params: JSONMap) -> JSON:
        return await self.state.get(*_group_key(params))

    async def _state_set(self, invocation: Invocation, params: JSONMap) -> JSON:
        if "value" not in params:
            raise CallbackError("ValidationError", "state.set needs a value")
        group, key = _group_key(params)
        return await self._writes.set(group, key, params["value"], Origin.of(invocation))

    async def _state_replace(self, invocation: Invocation, params: JSONMap) -> JSON:
        if "value" not in params:
            raise CallbackError("ValidationError", "state.replace needs a value")
        group, key = _group_key(params)
        written = await self._writes.replace(group, key, params["value"], Origin.of(invocation))
        return written.as_json()

    async def _state_delete(self, invocation: Invocation, params: JSONMap) -> JSON:
        group, key = _group_key(params)
        return await self._writes.delete(group, key, Origin.of(invocation))

    async def _state_get_group(self, invocation: Invocation, params: JSONMap) -> JSON:
        return await self.state.get_group(_text(params, "group"))

    async def _state_clear(self, invocation: Invocation, params: JSONMap) -> None:
        await self._writes.clear(_text(params, "group"), Origin.of(invocation))

    async def _state_list_groups(self, invocation: Invocation, params: JSONMap) -> JSON:
        return await self.state.groups()

    async def _state_update(self, invocation: Invocation, params: JSONMap) -> JSON:
        group, key = _group_key(params)
        ops = parse_ops(params.get("ops"), f"state.update({group!r}, {key!r})")
        return (await self._writes.update(group, key, ops, Origin.of(invocation))).as_json()


def _text(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str):
        shown = type(value).__name__ if value is not None else "missing"
        raise CallbackError("ValidationError", f"'{name}' must be a string (got {shown})")
    return value


def _group_key(params: Mapping[str, Any]) -> tuple[str, str]:
    return _text(params, "group"), _text(params, "key")

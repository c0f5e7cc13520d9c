"""The frozen model of a loaded step and stream, built from a validated config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.core.types import JSONMap, Language, StepType
from orchestrator.model.triggers import Trigger, TriggerType, is_v1_config, triggers_of


@dataclass(frozen=True, slots=True)
class Emit:
    """One entry of `emits`: a topic, with an optional label and conditional flag."""

    topic: str
    label: str | None = None
    conditional: bool = False

    @classmethod
    def parse(cls, entry: str | Mapping[str, Any]) -> Emit:
        if isinstance(entry, str):
            return cls(entry)
        return cls(str(entry["topic"]), entry.get("label"), bool(entry.get("conditional", False)))


@dataclass(frozen=True, slots=True)
class Step:
    """A step file that loaded and validated. `config` keeps every field the file declared,
    with schemas normalised to JSON Schema."""

    name: str
    type: StepType
    path: Path
    language: Language
    config: JSONMap
    handlers: frozenset[str] = frozenset()
    deps: tuple[str, ...] = ()
    # Derived from `config` once: the router and the bus read them per request and per
    # event (py-spy on the event chain: recomputing them was a tenth of the loop's time).
    triggers: tuple[Trigger, ...] = field(init=False)
    emits: tuple[Emit, ...] = field(init=False, repr=False, compare=False)
    emit_topics: frozenset[str] = field(init=False, repr=False, compare=False)
    subscribes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _by_type: Mapping[str, tuple[Trigger, ...]] = field(init=False, repr=False, compare=False)
    _by_delivery_topic: Mapping[str, Trigger] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        triggers = triggers_of(self.config)
        by_type: dict[str, tuple[Trigger, ...]] = {}
        for trigger in triggers:
            by_type[trigger.type] = (*by_type.get(trigger.type, ()), trigger)
        delivered: dict[str, Trigger] = {}
        for trigger in triggers:  # the first trigger of a topic wins, as `next` did
            if trigger.type in ("queue", "state", "stream"):
                delivered.setdefault(trigger.delivery_topic, trigger)
        entries = self.config.get("emits") or self.config.get("enqueues") or ()
        emits = tuple(Emit.parse(entry) for entry in entries)
        for name, value in (
            ("triggers", triggers),
            ("emits", emits),
            ("emit_topics", frozenset(emit.topic for emit in emits)),
            ("subscribes", tuple(t.topic for t in by_type.get("queue", ()))),
            ("_by_type", by_type),
            ("_by_delivery_topic", delivered),
        ):
            object.__setattr__(self, name, value)

    @property
    def is_v1(self) -> bool:
        """Written in Motia 1.0's form (`triggers`): invoked with 1.0's call shapes."""
        return is_v1_config(self.config)

    def triggers_of_type(self, kind: TriggerType) -> tuple[Trigger, ...]:
        return self._by_type.get(kind, ())

    @property
    def http_triggers(self) -> tuple[Trigger, ...]:
        return self.triggers_of_type("http")

    @property
    def queue_triggers(self) -> tuple[Trigger, ...]:
        return self.triggers_of_type("queue")

    @property
    def cron_triggers(self) -> tuple[Trigger, ...]:
        return self.triggers_of_type("cron")

    def queue_trigger(self, topic: str) -> Trigger | None:
        """The queue trigger that subscribes the step to `topic`."""
        return next((t for t in self.queue_triggers if t.topic == topic), None)

    def delivery_trigger(self, topic: str) -> Trigger | None:
        """The trigger a delivery of `topic` is for: a queue trigger subscribed to it, or
        the state or stream trigger whose `delivery_topic` it is."""
        return self._by_delivery_topic.get(topic)

    @property
    def change_triggers(self) -> tuple[Trigger, ...]:
        """Its state and stream triggers: deliveries made by a change of data."""
        return tuple(t for t in self.triggers if t.type in ("state", "stream"))

    @property
    def consumes_events(self) -> bool:
        """Whether deliveries come to it through the queue: events, and the changes its
        state and stream triggers watch (a 0.17 event step with no topics still has a
        queue, empty)."""
        return self.type == "event" or bool(self.queue_triggers) or bool(self.change_triggers)

    @property
    def flows(self) -> tuple[str, ...]:
        return tuple(self.config.get("flows") or ())

    @property
    def virtual_emits(self) -> tuple[Emit, ...]:
        entries = self.config.get("virtualEmits") or self.config.get("virtualEnqueues") or ()
        return tuple(Emit.parse(entry) for entry in entries)

    @property
    def virtual_subscribes(self) -> tuple[str, ...]:
        return tuple(self.config.get("virtualSubscribes") or ())

    # The first trigger of each kind: all a 0.17 step has (a 1.0 step may have more).
    @property
    def method(self) -> str:
        http = self.http_triggers
        return http[0].method if http else "GET"

    @property
    def api_path(self) -> str:
        http = self.http_triggers
        return http[0].path if http else ""

    @property
    def cron(self) -> str:
        crons = self.cron_triggers
        return crons[0].expression if crons else ""

    @property
    def input_schema(self) -> JSONMap | None:
        queues = self.queue_triggers
        return queues[0].input_schema if queues else None

    def input_schema_for(self, topic: str) -> JSONMap | None:
        """The schema events of `topic` must fit to be delivered to this step."""
        trigger = self.queue_trigger(topic)
        return trigger.input_schema if trigger is not None else None

    @property
    def body_schema(self) -> JSONMap | None:
        http = self.http_triggers
        return http[0].body_schema if http else None

    @property
    def middleware(self) -> tuple[str, ...]:
        """The names of the step's middleware, outermost first (the runner runs them)."""
        return tuple(name for t in self.http_triggers for name in t.middleware)

    @property
    def trigger(self) -> str:
        """A one-line description of what starts the step."""
        if self.is_v1:
            described = [t.describe() for t in self.triggers]
            return ", ".join(described) or ", ".join(self.virtual_subscribes) or "manual"
        if self.type == "api":
            return f"{self.method} {self.api_path}"
        if self.type == "event":
            return ", ".join(self.subscribes)
        if self.type == "cron":
            return self.cron
        return ", ".join(self.virtual_subscribes) or "manual"


def language_name(step: Step) -> str:
    """What a person calls the step's language (the Node runner serves two)."""
    if step.language == "node":
        return "TypeScript" if step.path.suffix == ".ts" else "JavaScript"
    return {"python": "Python", "ruby": "Ruby"}[step.language]


@dataclass(frozen=True, slots=True)
class StreamDef:
    """A stream config file (`*.stream.ts` …): a name, an item schema and storage options."""

    name: str
    path: Path
    language: Language
    schema: JSONMap | None
    base_config: JSONMap = field(default_factory=dict)
    handlers: frozenset[str] = frozenset()

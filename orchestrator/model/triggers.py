"""What starts a step: its triggers (docs/reference.md §2, "Motia 1.0 step files").

A Motia 1.0 config lists them (`triggers: [{type: 'http', …}, …]`, Motia 1.0's
motia-js/packages/motia/src/types.ts `TriggerConfig`); a 0.17 config's are derived
from its `type`, so the rest of Steppe reads triggers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.core.types import JSONMap, StepType

TriggerType = Literal["http", "queue", "cron", "state", "stream"]
TRIGGER_TYPES: tuple[TriggerType, ...] = ("http", "queue", "cron", "state", "stream")
# Motia 1.0 queue-trigger `config` names (types.ts `QueueConfig`) → Steppe's queue options.
_QUEUE_RENAMES = {"backoffType": ("backoff", "type"), "backoffDelayMs": ("backoff", "delayMs")}


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger: its type, its index in `triggers`, and its plain config."""

    type: TriggerType
    index: int
    config: JSONMap

    @property
    def method(self) -> str:
        return str(self.config.get("method", "GET")).upper()

    @property
    def path(self) -> str:
        return str(self.config.get("path", ""))

    @property
    def topic(self) -> str:
        return str(self.config.get("topic", ""))

    @property
    def expression(self) -> str:
        return str(self.config.get("expression", ""))

    @property
    def stream_name(self) -> str:
        return str(self.config.get("streamName", ""))

    @property
    def delivery_topic(self) -> str:
        """The topic of the deliveries this trigger starts: a queue trigger's own; for a
        state or stream trigger, a name no emit can reach (the `<` cannot appear in a
        subscription a handler emits to by accident), carrying the index so that the
        bus knows which trigger a delivery is for."""
        if self.type == "state":
            return f"<state trigger {self.index}>"
        if self.type == "stream":
            return f"<stream trigger {self.index}: {self.stream_name}>"
        return self.topic

    def watches_stream(self, stream: str, group: str, item_id: str | None) -> bool:
        """Whether a change of `stream`'s item (or a custom event to its group, item
        None) is for this stream trigger: its streamName, and its groupId and itemId
        when it gives them (Motia 1.0's engine, modules/stream/trigger.rs)."""
        wanted_group = self.config.get("groupId")
        wanted_item = self.config.get("itemId")
        return (
            self.type == "stream"
            and self.stream_name == stream
            and (wanted_group is None or wanted_group == group)
            and (wanted_item is None or wanted_item == item_id)
        )

    @property
    def has_condition(self) -> bool:
        """The runner reports a condition function as `true` (runners/README.md, `load`)."""
        return self.config.get("condition") is True

    @property
    def body_schema(self) -> JSONMap | None:
        return _schema(self.config.get("bodySchema"))

    @property
    def input_schema(self) -> JSONMap | None:
        return _schema(self.config.get("input"))

    @property
    def middleware(self) -> tuple[str, ...]:
        return tuple(str(name) for name in self.config.get("middleware") or ())

    def info(self) -> JSONMap:
        """Motia's TriggerInfo, sent to the runner as the invoke's `trigger`."""
        info: JSONMap = {"type": self.type, "index": self.index}
        if self.type == "http":
            info |= {"method": self.method, "path": self.path}
        elif self.type == "queue":
            info["topic"] = self.topic
        elif self.type == "cron":
            info["expression"] = self.expression
        return info

    def describe(self) -> str:
        """One line: `POST /orders`, `queue order.created`, `cron 0 * * * *`."""
        if self.type == "http":
            return f"{self.method} {self.path}"
        if self.type == "queue":
            return f"queue {self.topic}"
        if self.type == "cron":
            return f"cron {self.expression}"
        if self.type == "stream":
            return f"stream {self.stream_name}"
        return "state"


def _schema(value: Any) -> JSONMap | None:
    return value if isinstance(value, dict) else None


def is_v1_config(config: Mapping[str, Any]) -> bool:
    """A config with a `triggers` key is a Motia 1.0 step; any other is 0.17."""
    return "triggers" in config


def triggers_of(config: Mapping[str, Any]) -> tuple[Trigger, ...]:
    """The triggers of a validated config, listed (1.0) or derived from `type` (0.17)."""
    if is_v1_config(config):
        return tuple(
            Trigger(entry["type"], index, dict(entry))
            for index, entry in enumerate(config.get("triggers") or ())
            if isinstance(entry, Mapping) and entry.get("type") in TRIGGER_TYPES
        )
    kind = config.get("type")
    if kind == "api":
        keys = ("method", "path", "bodySchema", "responseSchema", "queryParams", "middleware")
        return (Trigger("http", 0, {k: config[k] for k in keys if k in config}),)
    if kind == "event":
        input_schema = {"input": config["input"]} if "input" in config else {}
        return tuple(
            Trigger("queue", index, {"topic": topic, **input_schema})
            for index, topic in enumerate(config.get("subscribes") or ())
        )
    if kind == "cron":
        return (Trigger("cron", 0, {"expression": config.get("cron", "")}),)
    return ()


def display_type(triggers: tuple[Trigger, ...]) -> StepType:
    """A 1.0 step's type as 0.17 would name it: api if it has an http trigger, else event
    if a queue trigger, else cron if a cron trigger, else noop."""
    kinds = {t.type for t in triggers}
    if "http" in kinds:
        return "api"
    if "queue" in kinds:
        return "event"
    if "cron" in kinds:
        return "cron"
    return "noop"


def queue_options_of(trigger_config: Mapping[str, Any]) -> JSONMap:
    """A 1.0 queue trigger's `config` as Steppe's `infrastructure.queue` options."""
    options: JSONMap = {k: v for k, v in trigger_config.items() if k not in _QUEUE_RENAMES}
    for key, (group, name) in _QUEUE_RENAMES.items():
        if key in trigger_config:
            options[group] = {**(options.get(group) or {}), name: trigger_config[key]}
    return options

"""What the generated types need from a step config of either Motia version: the schemas
its triggers take and the topics it declares.

A config with a `triggers` list is a Motia 1.0 step (docs/reference.md §10); it is read
from the config as loaded, so this works whatever `Step.type` such a step gets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from orchestrator.core.types import JSONMap
from orchestrator.model.step import Emit, Step


def is_triggered(step: Step) -> bool:
    """A Motia 1.0 step: its handler is typed `Handlers<typeof config>`, not by name."""
    return isinstance(step.config.get("triggers"), list)


def triggers(step: Step, kind: str) -> Iterator[Mapping[str, Any]]:
    """The step's 1.0 triggers of one type (`http`, `queue`, …), in order."""
    for trigger in step.config.get("triggers") or ():
        if isinstance(trigger, Mapping) and trigger.get("type") == kind:
            yield trigger


def subscriptions(step: Step) -> list[tuple[str, JSONMap | None]]:
    """(topic, input schema) for each topic the step takes events of: 0.17's `subscribes`
    (one `input` for all), 1.0's queue triggers (an `input` each)."""
    if not is_triggered(step):
        return [(topic, step.input_schema) for topic in step.subscribes]
    found = []
    for trigger in triggers(step, "queue"):
        schema = trigger.get("input")
        found.append((str(trigger.get("topic")), schema if isinstance(schema, dict) else None))
    return found


def body_schemas(step: Step) -> list[JSONMap]:
    """The request body schemas of the step's http triggers (0.17: its `bodySchema`)."""
    if not is_triggered(step):
        return [step.body_schema] if step.type == "api" and step.body_schema is not None else []
    schemas = (t.get("bodySchema") for t in triggers(step, "http"))
    return [s for s in schemas if isinstance(s, dict)]


def input_schemas(step: Step) -> list[JSONMap]:
    """The event input schemas of the step, each once (0.17: its `input`)."""
    if not is_triggered(step):
        return [step.input_schema] if step.type == "event" and step.input_schema is not None else []
    unique = {id(s): s for _, s in subscriptions(step) if s is not None}
    return list(unique.values())


def declared_topics(step: Step) -> frozenset[str]:
    """The topics the step may emit: `emits`, or 1.0's name for it, `enqueues`."""
    entries = [*(step.config.get("emits") or ()), *(step.config.get("enqueues") or ())]
    return frozenset(Emit.parse(entry).topic for entry in entries)

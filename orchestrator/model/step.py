"""The frozen model of a loaded step and stream, built from a validated config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.core.types import JSONMap, Language, StepType


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

    @property
    def flows(self) -> tuple[str, ...]:
        return tuple(self.config.get("flows") or ())

    @property
    def emits(self) -> tuple[Emit, ...]:
        return tuple(Emit.parse(entry) for entry in self.config.get("emits") or ())

    @property
    def emit_topics(self) -> frozenset[str]:
        return frozenset(emit.topic for emit in self.emits)

    @property
    def subscribes(self) -> tuple[str, ...]:
        return tuple(self.config.get("subscribes") or ())

    @property
    def virtual_emits(self) -> tuple[Emit, ...]:
        return tuple(Emit.parse(entry) for entry in self.config.get("virtualEmits") or ())

    @property
    def virtual_subscribes(self) -> tuple[str, ...]:
        return tuple(self.config.get("virtualSubscribes") or ())

    @property
    def method(self) -> str:
        return str(self.config.get("method", "GET")).upper()

    @property
    def api_path(self) -> str:
        return str(self.config.get("path", ""))

    @property
    def cron(self) -> str:
        return str(self.config.get("cron", ""))

    @property
    def input_schema(self) -> JSONMap | None:
        schema = self.config.get("input")
        return schema if isinstance(schema, dict) else None

    @property
    def body_schema(self) -> JSONMap | None:
        schema = self.config.get("bodySchema")
        return schema if isinstance(schema, dict) else None

    @property
    def middleware(self) -> tuple[str, ...]:
        """The names of an API step's middleware, outermost first (the runner runs them)."""
        return tuple(str(name) for name in self.config.get("middleware") or ())

    @property
    def trigger(self) -> str:
        """A one-line description of what starts the step."""
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

"""The schema walk the TypeScript and Python converters share.

Both turn a JSON Schema into a type expression the same way up to the point where
the languages differ: `false` admits nothing, a non-schema (or one nested too deep)
admits anything, a `$ref` names its target once per root (equal targets of
different roots share that name), `const` and `enum` are literals. A subclass says
how each of those is written and how the rest (`type`, `anyOf`, `allOf`, …) composes.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from orchestrator.typegen.names import Names, pascal_case
from orchestrator.typegen.schema import MISSING, resolve

# Beyond this depth a schema is typed as `unknown` / `Any` rather than expanded.
MAX_DEPTH = 32

# Where a type expression stands, as each language needs to know it: the indent
# level (TypeScript), the name for the classes it defines (Python).
Where = TypeVar("Where")


@dataclass
class SchemaRoot:
    """One top-level schema: where its `$ref`s resolve and how its parts are named."""

    schema: Any
    owner: str
    refs: dict[str, str] = field(default_factory=dict)


class SchemaWalk(ABC, Generic[Where]):
    """JSON Schema → a type expression of one language."""

    never: ClassVar[str]  # the type of no value
    unknown: ClassVar[str]  # the type of any value

    def __init__(self, names: Names) -> None:
        self.names = names
        self._by_schema: dict[str, str] = {}

    def convert(self, schema: Any, root: SchemaRoot, where: Where, depth: int = 0) -> str:
        if schema is False:
            return self.never
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
            return self.unknown
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, root)
        if "const" in schema:
            return self._literals([schema["const"]])
        if isinstance(schema.get("enum"), list):
            return self._literals(schema["enum"])
        return self._compose(schema, root, where, depth)

    def _ref(self, ref: str, root: SchemaRoot) -> str:
        if ref in root.refs:
            return self._reference(root.refs[ref])
        target = resolve(root.schema, ref)
        if target is MISSING:
            return self.unknown
        key = _dedupe_key(target)
        if key in self._by_schema:
            root.refs[ref] = self._by_schema[key]
            return self._reference(root.refs[ref])
        short = _ref_name(ref) or root.owner
        inline = self._inline_ref(target, root, short)
        if inline is not None:
            return inline
        name = self.names.claim(short, f"{root.owner}{short}")
        root.refs[ref] = self._by_schema[key] = name
        self._define_ref(name, target, root)
        return self._reference(name)

    def _reference(self, name: str) -> str:
        """How a type defined under `name` is referred to."""
        return name

    def _inline_ref(self, target: Any, root: SchemaRoot, short: str) -> str | None:
        """The type of a `$ref` target that gets no name of its own; None: it gets one."""
        return None

    @abstractmethod
    def _define_ref(self, name: str, target: Any, root: SchemaRoot) -> None:
        """Define the type of a `$ref` target under `name`."""

    @abstractmethod
    def _literals(self, values: list[Any]) -> str:
        """The type admitting exactly `values` (`const`, `enum`)."""

    @abstractmethod
    def _compose(
        self, schema: Mapping[str, Any], root: SchemaRoot, where: Where, depth: int
    ) -> str:
        """The type of a schema that is not a `$ref`, `const` or `enum`."""


def _dedupe_key(target: Any) -> str:
    """Equal `$defs` from different roots share one type, unless they refer further:
    their own `$ref`s might resolve differently in each root."""
    text = json.dumps(target, sort_keys=True, default=str)
    return f"{id(target)}" if '"$ref"' in text else text


def _ref_name(ref: str) -> str:
    return pascal_case(ref.rstrip("/").rsplit("/", 1)[-1]) if ref != "#" else ""

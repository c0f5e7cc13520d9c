"""JSON Schema → Python annotations and TypedDicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.typegen.names import Names, pascal_case
from orchestrator.typegen.py_syntax import py_class, py_literal, py_union
from orchestrator.typegen.schema import schema_types
from orchestrator.typegen.walk import SchemaRoot, SchemaWalk


class PythonConverter(SchemaWalk[str]):
    """JSON Schema → Python annotations, defining a TypedDict for each object with
    properties (`where`: the name such a class gets). Optional properties are
    `NotRequired`; `$ref`s become their own classes (recursion works: annotations
    are not evaluated at run time)."""

    never = "NoReturn"
    unknown = "Any"

    def __init__(self, names: Names) -> None:
        super().__init__(names)
        self.definitions: list[str] = []

    def typed_dict(self, name: str, schema: Any) -> str:
        """Define `schema` under a unique name near `name`; the annotation to use."""
        root = SchemaRoot(schema, name)
        return self.convert(schema, root, name, 0)

    def _inline_ref(self, target: Any, root: SchemaRoot, short: str) -> str | None:
        if _is_object_with_properties(target):
            return None
        return self.convert(target, root, short, 1)

    def _define_ref(self, name: str, target: Any, root: SchemaRoot) -> None:
        self._define(name, target, root, 1)

    def _literals(self, values: list[Any]) -> str:
        return py_literal(values)

    def _compose(self, schema: Mapping[str, Any], root: SchemaRoot, hint: str, depth: int) -> str:
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                options = [
                    self.convert(s, root, f"{hint}Option{i}", depth + 1)
                    for i, s in enumerate(schema[key], 1)
                ]
                return py_union(options)
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and all_of:
            # A TypedDict cannot be intersected; one member (pydantic's wrapped $ref)
            # is that member, several are merged when they are all plain objects.
            merged = _merge_objects(all_of) if len(all_of) > 1 else all_of[0]
            return self.convert(merged, root, hint, depth + 1) if merged else "Any"
        types = schema_types(schema)
        if not types:
            return "Any"
        return py_union([self._of_type(t, schema, root, hint, depth) for t in types])

    def _of_type(
        self, kind: str, schema: Mapping[str, Any], root: SchemaRoot, hint: str, depth: int
    ) -> str:
        simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        if kind in simple:
            return simple[kind]
        if kind == "null":
            return "None"
        if kind == "array":
            items = schema.get("items")
            item = self.convert(items, root, f"{hint}Item", depth + 1) if items else "Any"
            return f"list[{item}]"
        if kind == "object":
            if _is_object_with_properties(schema):
                name = self.names.claim(hint)
                if schema is root.schema:
                    root.refs["#"] = name  # so a `{"$ref": "#"}` inside refers back
                return self._define(name, schema, root, depth)
            extra = schema.get("additionalProperties")
            value = self.convert(extra, root, f"{hint}Value", depth + 1) if extra else "Any"
            return f"dict[str, {'Any' if extra is True else value}]"
        return "Any"

    def _define(self, name: str, schema: Mapping[str, Any], root: SchemaRoot, depth: int) -> str:
        properties = schema.get("properties") or {}
        required = {r for r in schema.get("required") or () if isinstance(r, str)}
        fields = []
        for prop, sub in properties.items():
            annotation = self.convert(sub, root, f"{name}{pascal_case(prop)}", depth + 1)
            if prop not in required:
                annotation = f"NotRequired[{annotation}]"
            description = sub.get("description") if isinstance(sub, Mapping) else None
            fields.append((prop, annotation, description))
        for prop in sorted(required - set(properties)):
            fields.append((prop, "Any", None))
        doc = schema.get("description")
        self.definitions.append(py_class(name, fields, doc if isinstance(doc, str) else None))
        return name


def _is_object_with_properties(schema: Any) -> bool:
    return (
        isinstance(schema, Mapping)
        and "object" in schema_types(schema)
        and isinstance(schema.get("properties"), Mapping)
        and bool(schema["properties"])
    )


def _merge_objects(members: list[Any]) -> dict[str, Any] | None:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        if not isinstance(member, Mapping) or "$ref" in member:
            return None
        if "object" not in schema_types(member):
            return None
        properties.update(member.get("properties") or {})
        required += [r for r in member.get("required") or () if isinstance(r, str)]
    return {"type": "object", "properties": properties, "required": required}

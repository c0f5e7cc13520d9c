"""JSON Schema → Python annotations and TypedDicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.typegen.names import Names, pascal_case
from orchestrator.typegen.py_syntax import py_class, py_literal, py_union
from orchestrator.typegen.schema import MISSING, resolve, schema_types
from orchestrator.typegen.walk import MAX_DEPTH, SchemaRoot, dedupe_key, ref_name


class PythonConverter:
    """JSON Schema → Python annotations, defining a TypedDict for each object with
    properties. Optional properties are
    `NotRequired`; `$ref`s become their own classes (recursion works: annotations
    are not evaluated at run time)."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.definitions: list[str] = []
        self._by_schema: dict[str, str] = {}

    def typed_dict(self, name: str, schema: Any) -> str:
        """Define `schema` under a unique name near `name`; the annotation to use."""
        root = SchemaRoot(schema, name)
        return self.convert(schema, root, name, 0)

    def convert(self, schema: Any, root: SchemaRoot, hint: str, depth: int) -> str:
        if schema is False:
            return "NoReturn"
        if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
            return "Any"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, root)
        if "const" in schema:
            return py_literal([schema["const"]])
        if isinstance(schema.get("enum"), list):
            return py_literal(schema["enum"])
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

    def _ref(self, ref: str, root: SchemaRoot) -> str:
        if ref in root.refs:
            return root.refs[ref]
        target = resolve(root.schema, ref)
        if target is MISSING:
            return "Any"
        key = dedupe_key(target)
        if key in self._by_schema:
            root.refs[ref] = self._by_schema[key]
            return root.refs[ref]
        short = ref_name(ref) or root.owner
        if not _is_object_with_properties(target):
            return self.convert(target, root, short, 1)
        name = self.names.claim(short, f"{root.owner}{short}")
        root.refs[ref] = self._by_schema[key] = name
        self._define(name, target, root, 1)
        return name

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

"""JSON Schema → TypeScript type expressions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.typegen.names import Names
from orchestrator.typegen.schema import schema_types
from orchestrator.typegen.ts_syntax import (
    doc_text,
    ts_array,
    ts_intersection,
    ts_key,
    ts_literal,
    ts_union,
)
from orchestrator.typegen.walk import SchemaRoot, SchemaWalk


class TypeScriptConverter(SchemaWalk[int]):
    """JSON Schema → TypeScript type expressions (`where`: the indent level).

    Handles object (`properties`, `required`, `additionalProperties`), arrays and
    tuples, `enum`/`const`, `anyOf`/`oneOf`/`allOf`, the primitive types, `type`
    lists, `nullable`, and local `$ref`s (pydantic's `$defs`), which become named
    aliases in `aliases` (so recursive schemas work). Anything else is `unknown`.

    An object without `additionalProperties` gets no index signature: extra fields
    pass validation but are not typed, so reading a field the schema does not name
    is a type error. `additionalProperties: true` adds `[key: string]: unknown`.
    """

    never = "never"
    unknown = "unknown"

    def __init__(self, namespace: str, names: Names) -> None:
        super().__init__(names)
        self.namespace = namespace
        self.aliases: dict[str, str] = {}

    def alias(self, name: str, schema: Any, owner: str | None = None) -> str:
        """Declare `schema` as an alias (a unique name near `name`); its qualified name."""
        alias = self.names.claim(name)
        root = SchemaRoot(schema, owner or alias)
        root.refs["#"] = alias
        self.aliases[alias] = self.convert(schema, root, 2)
        return f"{self.namespace}.{alias}"

    def _reference(self, name: str) -> str:
        return f"{self.namespace}.{name}"

    def _define_ref(self, name: str, target: Any, root: SchemaRoot) -> None:
        self.aliases[name] = self.convert(target, root, 2)

    def _literals(self, values: list[Any]) -> str:
        return ts_union([ts_literal(v) for v in values])

    def _compose(self, schema: Mapping[str, Any], root: SchemaRoot, indent: int, depth: int) -> str:
        parts = []
        types = schema_types(schema)
        if types:
            parts.append(ts_union([self._of_type(t, schema, root, indent, depth) for t in types]))
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                options = [self.convert(s, root, indent, depth + 1) for s in schema[key]]
                parts.append(ts_union(options))
        if isinstance(schema.get("allOf"), list):
            members = [self.convert(s, root, indent, depth + 1) for s in schema["allOf"]]
            parts.append(ts_intersection(members))
        parts = [p for p in parts if p != "unknown"]
        result = ts_intersection(parts) if parts else "unknown"
        if schema.get("nullable") is True and result != "unknown":
            result = ts_union([result, "null"])
        return result

    def _of_type(
        self, kind: str, schema: Mapping[str, Any], root: SchemaRoot, indent: int, depth: int
    ) -> str:
        if kind == "string":
            return "string"
        if kind in ("number", "integer"):
            return "number"
        if kind == "boolean":
            return "boolean"
        if kind == "null":
            return "null"
        if kind == "array":
            return self._array(schema, root, indent, depth)
        if kind == "object":
            return self._object(schema, root, indent, depth)
        return "unknown"

    def _array(self, schema: Mapping[str, Any], root: SchemaRoot, indent: int, depth: int) -> str:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(prefix, list):
            members = [self.convert(s, root, indent, depth + 1) for s in prefix]
            if items is not False:
                rest = self.convert(items, root, indent, depth + 1) if items else "unknown"
                members.append(f"...{ts_array(rest)}")
            return f"[{', '.join(members)}]"
        item = self.convert(items, root, indent, depth + 1) if items is not None else "unknown"
        return ts_array(item)

    def _object(self, schema: Mapping[str, Any], root: SchemaRoot, indent: int, depth: int) -> str:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        extra = schema.get("additionalProperties")
        extra_type = None
        if extra is True or extra == {}:
            extra_type = "unknown"
        elif isinstance(extra, Mapping):
            extra_type = self.convert(extra, root, indent, depth + 1)
        if not properties and not required:
            if extra is False:
                return "Record<string, never>"
            return f"Record<string, {extra_type or 'unknown'}>"
        pad = "  " * indent
        lines = []
        for name, sub in properties.items():
            doc = sub.get("description") if isinstance(sub, Mapping) else None
            if isinstance(doc, str) and doc.strip():
                lines.append(f"{pad}/** {doc_text(doc)} */")
            optional = "" if name in required else "?"
            value = self.convert(sub, root, indent + 1, depth + 1)
            lines.append(f"{pad}{ts_key(name)}{optional}: {value};")
        for name in required:
            if name not in properties:
                lines.append(f"{pad}{ts_key(name)}: unknown;")
        if extra_type is not None:
            # Every named property must fit the index signature, so it is `unknown`.
            lines.append(f"{pad}[key: string]: unknown;")
        closing = "  " * (indent - 1)
        return "{\n" + "\n".join(lines) + f"\n{closing}}}"

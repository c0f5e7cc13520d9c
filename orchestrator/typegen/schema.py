"""Reading a JSON Schema: local `$ref` targets and the JSON types a schema admits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What `resolve` returns for a `$ref` that points nowhere in its root.
MISSING = object()


def resolve(root: Any, ref: str) -> Any:
    """The target of a local `$ref` (`#`, `#/$defs/X`, any JSON pointer), or MISSING."""
    if not ref.startswith("#"):
        return MISSING
    node = root
    pointer = ref[1:]
    if not pointer:
        return node
    if not pointer.startswith("/"):
        return MISSING
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def schema_types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a schema admits, inferred from its keywords when `type` is absent."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    if any(k in schema for k in ("properties", "additionalProperties", "required")):
        return ["object"]
    if any(k in schema for k in ("items", "prefixItems")):
        return ["array"]
    return []

"""What the TypeScript and Python schema walks share: the root a `$ref` resolves
in, the depth limit, and how `$ref` targets are named and told apart."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from orchestrator.typegen.names import pascal_case

# Beyond this depth a schema is typed as `unknown` / `Any` rather than expanded.
MAX_DEPTH = 32


@dataclass
class SchemaRoot:
    """One top-level schema: where its `$ref`s resolve and how its parts are named."""

    schema: Any
    owner: str
    refs: dict[str, str] = field(default_factory=dict)


def dedupe_key(target: Any) -> str:
    """Equal `$defs` from different roots share one type, unless they refer further:
    their own `$ref`s might resolve differently in each root."""
    text = json.dumps(target, sort_keys=True, default=str)
    return f"{id(target)}" if '"$ref"' in text else text


def ref_name(ref: str) -> str:
    return pascal_case(ref.rstrip("/").rsplit("/", 1)[-1]) if ref != "#" else ""

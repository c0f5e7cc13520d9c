"""How deeply a JSON value nests, against the one limit every layer enforces
(`max_json_depth`, docs/reference.md §4).

Ruby's msgpack decoder holds at most 128 nested containers, so a request body nested
127 levels deep (plus the invoke frame around it) once crashed the Ruby runner. Every
value enters through an HTTP body or a runner's context call; both are checked here,
so nothing deeper is ever stored, delivered or sent to a runner.
"""

from __future__ import annotations

from typing import Any

DEFAULT_MAX_JSON_DEPTH = 100
"""Below every runner's decoder (Ruby's 128 containers, the frame's own levels counted)."""


def deeper_than(value: Any, limit: int) -> bool:
    """True when `value` nests more than `limit` arrays and objects (`[[1]]` is 2)."""
    if not isinstance(value, dict | list):
        return False
    # Iterative: a value nested past the interpreter's recursion limit is checked too.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False

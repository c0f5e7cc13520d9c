"""TypeScript type text: literals, unions, intersections, arrays, property keys and
doc comments, parenthesised where precedence needs it."""

from __future__ import annotations

import json
import re
from typing import Any

_TS_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_TS_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def ts_literal(value: Any) -> str:
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)
    return "unknown"


def ts_union(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    if "unknown" in unique:
        return "unknown"
    if not unique:
        return "never"
    if len(unique) > 1:
        unique = [o for o in unique if o != "never"] or ["never"]
    return " | ".join(_ts_paren(o, "|") for o in unique)


def ts_intersection(members: list[str]) -> str:
    unique = [m for m in dict.fromkeys(members) if m != "unknown"]
    if len(unique) < 2:
        return unique[0] if unique else "unknown"
    return " & ".join(_ts_paren(m, "&") for m in unique)


def _ts_paren(text: str, within: str) -> str:
    """Parenthesise a union that becomes a member of an intersection (`&` binds tighter)."""
    return f"({text})" if within == "&" and "|" in _top_level(text) else text


def _top_level(text: str) -> str:
    """The text without string literals and bracketed parts: what binds at the top level."""
    out, depth = [], 0
    for char in _TS_STRING.sub('""', text):
        if char in "{[(<":
            depth += 1
        elif char in "}])>":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def ts_array(item: str) -> str:
    top = _top_level(item)
    if "|" in top or "&" in top:
        return f"Array<{item}>"
    return f"{item}[]"


def ts_key(name: str) -> str:
    return name if _TS_IDENTIFIER.match(name) else json.dumps(name)


def doc_text(text: str) -> str:
    """`text` on one line, safe inside a `/** … */` comment."""
    return " ".join(text.split()).replace("*/", "*\\/")

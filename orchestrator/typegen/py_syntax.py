"""Python annotation and TypedDict text: literals, unions and class definitions."""

from __future__ import annotations

import json
import keyword
from typing import Any


def py_literal(values: list[Any]) -> str:
    allowed = [v for v in values if v is None or isinstance(v, bool | int | str)]
    if len(allowed) != len(values):
        kinds = {type(v) for v in values}
        return "float" if kinds <= {int, float} else "Any"
    literals = [json.dumps(v) if isinstance(v, str) else repr(v) for v in allowed if v is not None]
    parts = [f"Literal[{', '.join(literals)}]"] if literals else []
    if None in allowed:
        parts.append("None")
    return " | ".join(parts) or "Any"


def py_union(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    if "Any" in unique or not unique:
        return "Any"
    return " | ".join(unique)


def py_class(name: str, fields: list[tuple[str, str, Any]], doc: str | None) -> str:
    """A TypedDict of `fields` (name, annotation, description): the class form, or the
    functional form when a name is no identifier."""
    identifiers = all(p.isidentifier() and not keyword.iskeyword(p) for p, _, _ in fields)
    if not identifiers:
        # The functional form takes any key; its values are evaluated, so forward
        # references are strings.
        body = "".join(f"        {json.dumps(p)}: {json.dumps(a)},\n" for p, a, _ in fields)
        return f'{name} = TypedDict(\n    "{name}",\n    {{\n{body}    }},\n)\n'
    lines = [f"class {name}(TypedDict):"]
    if doc and doc.strip():
        lines.append(f'    """{_py_doc(doc)}"""\n')
    for prop, annotation, description in fields:
        comment = f"  # {_py_doc(description)}" if isinstance(description, str) else ""
        lines.append(f"    {prop}: {annotation}{comment}")
    if not fields:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def _py_doc(text: str) -> str:
    return " ".join(text.split()).replace('"""', "'''").replace("\\", "\\\\")

"""Identifiers in generated files: step and stream names made PascalCase, and kept
unique within one file."""

from __future__ import annotations

import re
from collections.abc import Iterable


def pascal_case(name: str) -> str:
    """`order.v2-create` → `OrderV2Create`; a name that would start with a digit gets `T`."""
    words = re.split(r"[^A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not text:
        return "T"
    return f"T{text}" if text[0].isdigit() else text


class Names:
    """Unique identifiers within one generated file."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken = set(reserved)

    def claim(self, *candidates: str) -> str:
        for candidate in candidates:
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate
        base, number = candidates[-1], 2
        while f"{base}{number}" in self._taken:
            number += 1
        self._taken.add(f"{base}{number}")
        return f"{base}{number}"

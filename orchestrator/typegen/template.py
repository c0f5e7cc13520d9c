"""The constant text of the generated files, kept in `templates/` (package data)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def template(name: str) -> str:
    """The text of `templates/<name>` in this package."""
    path = resources.files("orchestrator.typegen") / "templates" / name
    return path.read_text(encoding="utf-8")

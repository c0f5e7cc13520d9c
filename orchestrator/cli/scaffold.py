"""`steppe create DIR`: a new project that `steppe dev` serves at once.

The files come from `orchestrator/cli/templates/project/`. Template names end in
`.tmpl`, so the repository's linters and type checkers leave the step files
alone, and a leading `dot.` stands for the leading `.` that package data would
drop (and that would make the template `.gitignore` apply to this repository).
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from orchestrator.core.errors import SteppeError

_TEMPLATE_SUFFIX = ".tmpl"
_DOT_PREFIX = "dot."


class ProjectExists(SteppeError):
    """Raised when `steppe create` is pointed at a directory that already has files."""


def template_files() -> dict[str, str]:
    """The project template: {relative path in the new project: text with placeholders}."""
    root = resources.files("orchestrator.cli") / "templates" / "project"
    files: dict[str, str] = {}
    _collect(root, "", files)
    return files


def _collect(node: Traversable, prefix: str, into: dict[str, str]) -> None:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            _collect(child, f"{prefix}{child.name}/", into)
        elif child.name.endswith(_TEMPLATE_SUFFIX):
            name = child.name.removesuffix(_TEMPLATE_SUFFIX)
            if name.startswith(_DOT_PREFIX):
                name = "." + name.removeprefix(_DOT_PREFIX)
            into[prefix + name] = child.read_text(encoding="utf-8")


def create_project(target: Path, *, force: bool = False) -> list[Path]:
    """Write a new project into `target` (created if missing); the files written.

    Refuses, with ProjectExists, a `target` that is a file or a directory with
    anything in it, unless `force`: then the template's files are overwritten and
    every other file is left as it was.
    """
    target = target.resolve()
    if target.exists() and not target.is_dir():
        raise ProjectExists(f"{target} exists and is not a directory")
    if target.is_dir() and not force:
        present = sorted(p.name for p in target.iterdir())
        if present:
            shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
            raise ProjectExists(
                f"{target} is not empty ({shown}); choose a new directory, "
                "or pass --force to write the template's files into it"
            )
    values = {"project_name": target.name, "package_name": _package_name(target.name)}
    written = []
    for relative, text in template_files().items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(text, values), encoding="utf-8")
        written.append(path)
    return written


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _package_name(name: str) -> str:
    """A valid npm package name: lower case, URL-safe, never empty."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
    return slug or "steppe-project"

"""Finding step and stream files in a project (SPEC §2)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from orchestrator.core.types import FileKind, Language

DEFAULT_STEP_DIRS = ("steps", "src")

_STEP_SUFFIXES: dict[str, Language] = {
    ".step.ts": "node",
    ".step.js": "node",
    ".step.mjs": "node",
    ".step.cjs": "node",
    ".step.py": "python",
    "_step.py": "python",
    ".step.rb": "ruby",
}
_STREAM_SUFFIXES: dict[str, Language] = {
    ".stream.ts": "node",
    ".stream.js": "node",
    ".stream.py": "python",
    "_stream.py": "python",
    ".stream.rb": "ruby",
}
# Folders that hold dependencies or caches, never a project's own steps.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "vendor", "dist", "build"})


@dataclass(frozen=True, slots=True)
class StepFile:
    """A file that looks like a step or stream by its name."""

    path: Path
    kind: FileKind
    language: Language


def classify(path: Path) -> StepFile | None:
    """The kind and language of a file, by its name, or None if it is neither."""
    name = path.name
    for suffixes, kind in ((_STEP_SUFFIXES, "step"), (_STREAM_SUFFIXES, "stream")):
        for suffix, language in suffixes.items():
            if name.endswith(suffix) and len(name) > len(suffix):
                return StepFile(path, kind, language)  # type: ignore[arg-type]
    return None


def discover(project_dir: Path, step_dirs: Iterable[str] = DEFAULT_STEP_DIRS) -> list[StepFile]:
    """Every step and stream file under the project's step folders, in a stable order."""
    found: list[StepFile] = []
    for folder in step_dirs:
        root = (project_dir / folder).resolve()
        if root.is_dir():
            found.extend(
                step_file for path in _walk(root) if (step_file := classify(path)) is not None
            )
    return sorted(found, key=lambda step_file: str(step_file.path))


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
        for name in files:
            yield Path(directory) / name

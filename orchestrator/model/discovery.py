"""Finding step and stream files in a project (docs/reference.md §2).

The names are Motia 0.17's (packages/snap/src/generate-locked-data.ts at v0.17.14-beta.196:
`*.step.{ts,js,rb}`, `*_step.{ts,js,py,rb}`, `*.stream.{ts,js,rb}`, `*_stream.{ts,js,py,rb}`)
plus Steppe's own `.mjs`/`.cjs` and `*.step.py`/`*.stream.py` forms; and Motia 1.0's
project-level `motia.config.ts|js` (its `authenticateStream`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from orchestrator.core.types import FileKind, Language

DEFAULT_STEP_DIRS = ("steps", "src")

_EXTENSIONS: dict[str, Language] = {
    "ts": "node",
    "js": "node",
    "mjs": "node",
    "cjs": "node",
    "py": "python",
    "rb": "ruby",
}
_STEP_SUFFIXES: dict[str, Language] = {
    f"{mark}step.{extension}": language
    for mark in (".", "_")
    for extension, language in _EXTENSIONS.items()
}
_STREAM_SUFFIXES: dict[str, Language] = {
    f"{mark}stream.{extension}": language
    for mark in (".", "_")
    for extension, language in _EXTENSIONS.items()
    if extension in ("ts", "js", "py", "rb")
}
# Motia 1.0's project-level hooks file (authenticateStream), at the project's root only.
PROJECT_CONFIG_NAMES = tuple(f"motia.config.{ext}" for ext in ("ts", "js", "mjs", "cjs"))
# A name with one of these in it looks like a step or stream file to a person.
_LOOKALIKE_MARKS = (".step.", "_step.", ".stream.", "_stream.")
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


def project_config(path: Path, project_dir: Path) -> StepFile | None:
    """`path` as the project's `motia.config.ts|js|mjs|cjs` (Node), or None if it is not
    one or does not mention `authenticateStream`: as in Motia 1.0's build
    (motia-js/packages/motia/src/new/build/generate-index.ts), a config file is loaded
    only for that, so a 0.17 project's `defineConfig` file (plugins Steppe does not
    have) is left alone."""
    if path.name not in PROJECT_CONFIG_NAMES or path.parent != project_dir.resolve():
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # gone, or a folder
        return None
    return StepFile(path, "config", "node") if "authenticateStream" in text else None


def discover(project_dir: Path, step_dirs: Iterable[str] = DEFAULT_STEP_DIRS) -> list[StepFile]:
    """Every step and stream file under the project's step folders, and the project's
    `motia.config.*` with an `authenticateStream` (the first of .ts, .js, .mjs, .cjs),
    in a stable order."""
    root_dir = project_dir.resolve()
    configs = [project_config(root_dir / name, root_dir) for name in PROJECT_CONFIG_NAMES]
    found = [c for c in configs if c is not None][:1]
    for folder in step_dirs:
        root = (project_dir / folder).resolve()
        if root.is_dir():
            found.extend(
                step_file for path in _walk(root) if (step_file := classify(path)) is not None
            )
    return sorted(found, key=lambda step_file: str(step_file.path))


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file whose name looks like a step or stream but that is not loaded, and why."""

    path: Path
    reason: str


def skipped_files(
    project_dir: Path, step_dirs: Iterable[str] = DEFAULT_STEP_DIRS
) -> list[SkippedFile]:
    """The look-alikes `discover` passes over, so `steppe build` can say so rather than
    drop them silently: names with `.step.`/`_step.`/`.stream.`/`_stream.` in them that
    match no pattern, and step files inside folders that are never searched."""
    skipped: list[SkippedFile] = []
    for folder in step_dirs:
        root = (project_dir / folder).resolve()
        if not root.is_dir():
            continue
        for path in _walk(root, skip_dirs=False):
            if not any(mark in path.name for mark in _LOOKALIKE_MARKS):
                continue
            hidden = _skipped_folder(path.relative_to(root).parts[:-1])
            if hidden is not None:
                if classify(path) is not None and hidden != "node_modules":
                    skipped.append(SkippedFile(path, f"inside {hidden}/, which is not searched"))
            elif classify(path) is None:
                skipped.append(SkippedFile(path, _mismatch(path.name)))
    return sorted(skipped, key=lambda s: str(s.path))


def _skipped_folder(parts: tuple[str, ...]) -> str | None:
    return next((p for p in parts if p in _SKIPPED_DIRS or p.startswith(".")), None)


def _mismatch(name: str) -> str:
    if name.endswith(".d.ts"):
        return "a TypeScript declaration file, not a step"
    known = "*.step.<ext>, *_step.<ext>, *.stream.<ext>, *_stream.<ext>"
    extensions = ", ".join(_EXTENSIONS)
    return f"matches none of {known} with <ext> one of {extensions}"


def _walk(root: Path, *, skip_dirs: bool = True) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(root):
        if skip_dirs:
            subdirs[:] = [d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith(".")]
        elif "node_modules" in subdirs:
            subdirs.remove("node_modules")  # never listed, and often huge
        for name in files:
            yield Path(directory) / name

"""Which files `steppe test` runs (docs/reference.md §13), by language.

By default every `*.spec.ts|js`, `*.test.ts|js`, `test_*.py`, `*_test.py` and
`*_test.rb` under the project, leaving out `node_modules`, the data folder and hidden
folders (`.git`, `.venv`). A path given on the command line narrows the search to
that folder, or names a file, which runs with its language's runner whatever its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.core.errors import UsageError

_PATTERNS = {
    "js": re.compile(r".+\.(spec|test)\.(ts|js)$"),
    "python": re.compile(r"^(test_.+|.+_test)\.py$"),
    "ruby": re.compile(r".+_test\.rb$"),
}
_BY_EXTENSION = {
    ".ts": "js",
    ".tsx": "js",
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".mts": "js",
    ".py": "python",
    ".rb": "ruby",
}
_SKIPPED = {"node_modules", "__pycache__", "python_modules"}


@dataclass
class TestFiles:
    """Absolute paths, sorted, per language: `python`, `js`, `ruby`."""

    __test__ = False  # not a pytest test class, whatever its name

    by_language: dict[str, list[Path]] = field(default_factory=dict)

    def of(self, language: str) -> list[Path]:
        return self.by_language.get(language, [])

    def add(self, language: str, path: Path) -> None:
        files = self.by_language.setdefault(language, [])
        if path not in files:
            files.append(path)

    def __bool__(self) -> bool:
        return any(self.by_language.values())


def language_of(name: str) -> str | None:
    """The language whose tests a file name marks, or None for a file that is no test."""
    for language, pattern in _PATTERNS.items():
        if pattern.match(name):
            return language
    return None


def find_tests(root: Path, paths: list[Path], data_dir: str) -> TestFiles:
    """The test files under `paths` (the project `root` when none); UsageError for a path
    that does not exist or a file of no language Steppe tests."""
    found = TestFiles()
    skipped = _SKIPPED | {Path(data_dir).name}
    for path in paths or [root]:
        if path.is_file():
            language = language_of(path.name) or _BY_EXTENSION.get(path.suffix)
            if language is None:
                raise UsageError(f"{path}: not a test file Steppe can run (.py, .ts, .js, .rb)")
            found.add(language, path.resolve())
        elif path.is_dir():
            for file in sorted(_walk(path.resolve(), skipped)):
                language = language_of(file.name)
                if language is not None:
                    found.add(language, file)
        else:
            raise UsageError(f"{path} does not exist")
    for files in found.by_language.values():
        files.sort()
    return found


def _walk(folder: Path, skipped: set[str]) -> list[Path]:
    files: list[Path] = []
    for entry in folder.iterdir():
        if entry.is_dir():
            # A linked folder is not followed: it may lead back up (a loop) or out.
            hidden = entry.name.startswith(".") or entry.is_symlink()
            if entry.name not in skipped and not hidden:
                files.extend(_walk(entry, skipped))
        elif entry.is_file():
            files.append(entry)
    return files

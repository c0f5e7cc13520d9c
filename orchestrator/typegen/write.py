"""`write_types`: the generated files written into a project's root."""

from __future__ import annotations

from pathlib import Path

from orchestrator.services.project import Project
from orchestrator.typegen.python import python_typed_dicts
from orchestrator.typegen.typescript import typescript_declarations

TYPES_D_TS = "types.d.ts"
PYTHON_TYPES = "steppe_types.py"


def write_types(project: Project) -> list[Path]:
    """Write `types.d.ts` (and `steppe_types.py` when there are Python files) in the
    project root; the paths, whether their text changed or not.

    A file whose text is already up to date is not rewritten, so a file watcher
    does not see a change that is none.
    """
    files = {project.root / TYPES_D_TS: typescript_declarations(project)}
    languages = {s.language for s in project.steps.values()}
    languages |= {s.language for s in project.streams.values()}
    if "python" in languages:
        files[project.root / PYTHON_TYPES] = python_typed_dicts(project)
    for path, text in files.items():
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        path.write_text(text, encoding="utf-8")
    return list(files)

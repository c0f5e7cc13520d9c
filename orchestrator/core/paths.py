"""Where Steppe's own files live (the editable checkout: schemas/, runners/)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO_ROOT / "schemas"
RUNNERS_DIR = REPO_ROOT / "runners"


def relative_label(path: Path | str, root: Path | None) -> str:
    """`path` as a person reads it in messages: relative to `root` when inside it
    (with forward slashes), else as given."""
    if root is not None:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)

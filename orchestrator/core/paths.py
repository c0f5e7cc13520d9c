"""Where Steppe's own files live: the runners and the JSON Schemas.

An installed package carries them in `orchestrator/_shipped/` (setup.py copies them
there); the repository checkout, which an editable install runs, keeps them beside
the package. Both have the same layout, `runners/` and `schemas/` side by side, which
the runners rely on to find the protocol schema.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
_SHIPPED = PACKAGE_DIR / "_shipped"
INSTALLED = _SHIPPED.is_dir()
FILES_ROOT = _SHIPPED if INSTALLED else PACKAGE_DIR.parent
SCHEMAS_DIR = FILES_ROOT / "schemas"
RUNNERS_DIR = FILES_ROOT / "runners"


def relative_label(path: Path | str, root: Path | None) -> str:
    """`path` as a person reads it in messages: relative to `root` when inside it
    (with forward slashes), else as given."""
    if root is not None:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)

"""Where Steppe's own files live (the editable checkout: schemas/, runners/)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = REPO_ROOT / "schemas"
RUNNERS_DIR = REPO_ROOT / "runners"

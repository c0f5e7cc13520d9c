"""`steppe create` scaffolds a test per language (orchestrator/cli/templates/project/
tests/), and `steppe test` passes them in the new project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.testing.support import steppe_test


def test_the_scaffolded_tests_pass(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GREETING_WORD"}
    created = subprocess.run(
        [sys.executable, "-m", "orchestrator", "create", "app"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr

    result = steppe_test(tmp_path / "app")

    assert result.returncode == 0, result.stdout
    assert "│ python   │ pytest   │ 1     │ 3      │ 0      │" in result.stdout
    assert "│ js       │ node     │ 1     │ 1      │ 0      │" in result.stdout
    assert "│ ruby     │ minitest │ 1     │ 1      │ 0      │" in result.stdout

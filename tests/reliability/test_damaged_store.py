"""A damaged `.steppe/state.db` stops `steppe start` with one line that names the file and
says what to do, not a traceback of the task tree (issue 15, item 7)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.parametrize("damaged", ["state.db", "queue.db"])
def test_a_damaged_database_is_one_line_naming_the_file(
    make_project: Callable[..., Path], damaged: str
) -> None:
    root = make_project({".steppe/" + damaged: "not a database " * 40})
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "start", "--dir", str(root), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error ")]
    assert len(errors) == 1, result.stderr
    assert f".steppe/{damaged}: file is not a database" in errors[0]
    assert "move it aside" in errors[0]
    assert "Traceback" not in result.stderr

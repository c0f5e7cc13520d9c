"""Fixtures: a private copy of the fixture project, and a runner started on it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner_harness import FIXTURES, Orchestrator


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the fixture project, free to edit."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root)
    return root


@pytest.fixture
def orchestrator(project: Path) -> Iterator[Orchestrator]:
    orch = Orchestrator(project)
    ready = orch.next_frame()
    assert ready["t"] == "note" and ready["m"] == "ready", ready
    assert ready["p"]["language"] == "python"
    assert ready["p"]["pid"] == orch.process.pid
    yield orch
    orch.close()

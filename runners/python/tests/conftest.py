"""Fixtures: a private copy of the fixture project, and a runner started on it."""

from __future__ import annotations

import json
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


# Every runner test on both loops: uvloop (the default when installed) and asyncio's own.
@pytest.fixture(params=["uvloop", "asyncio"])
def orchestrator(project: Path, request: pytest.FixtureRequest) -> Iterator[Orchestrator]:
    orch = Orchestrator(project, env={"STEPPE_PYTHON_LOOP": request.param})
    ready = orch.next_frame()
    assert ready["t"] == "note" and ready["m"] == "ready", ready
    assert ready["p"]["language"] == "python"
    assert ready["p"]["pid"] == orch.process.pid
    assert ready["p"]["runtime"].endswith(" (uvloop)") == (request.param == "uvloop")
    schema_file = Path(__file__).parents[3] / "schemas" / "protocol.schema.json"
    schema = json.loads(schema_file.read_text())
    assert ready["p"]["protocol"] == schema["protocolVersion"]
    yield orch
    orch.close()

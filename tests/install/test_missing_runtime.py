"""A missing runtime (issue 22, item 3): runners start only for the languages a project
uses, and a file whose language cannot run here is reported by name, also when it
appears while `steppe dev` runs (runtime/supervisor.py prepares a runner before it
starts it; runtime/languages.prepare_runner), until the runtime is installed.

Motia checks for Python only when the project has Python files
(packages/snap/src/utils/validate-python-environment.ts).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import reloader_for, serving
from tests.install.installed import bin_with

PYTHON_STEP = """
config = {"type": "api", "name": "Hello", "method": "GET", "path": "/hello", "emits": []}


async def handler(req, context):
    return {"status": 200, "body": {"hello": "world"}}
"""
TS_STEP = """
export const config = { type: 'api', name: 'Late', method: 'GET', path: '/late', emits: [] }
export const handler = async () => ({ status: 200, body: {} })
"""


async def test_a_first_typescript_file_in_dev_without_node_is_a_problem_naming_node(
    make_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(bin_with(tmp_path / "bin", "ruby")))
    root = make_project({"steps/hello.step.py": PYTHON_STEP})
    async with serving(root) as (services, client):
        assert list(services.runtime.pool.supervisors) == ["python"]  # no Node runner
        assert (await client.get("/hello")).json() == {"hello": "world"}

        late = root / "steps" / "late.step.ts"
        late.write_text(TS_STEP)
        await reloader_for(services).apply_changes({late})
        (problem,) = services.runtime.project.problems
        assert problem.path == late
        assert problem.message == (
            "the node runner cannot start: Node.js is not installed (no `node` on PATH). "
            "Install it: apt-get install nodejs npm (Node.js 20.6 or later; https://nodejs.org)"
        )
        assert (await client.get("/hello")).status_code == 200  # the rest still serves

        # Node installed since: the next change of the file starts the runner.
        monkeypatch.setenv("PATH", full_path)
        await reloader_for(services).apply_changes({late})
        assert services.runtime.project.problems == []
        assert (await client.get("/late")).status_code == 200

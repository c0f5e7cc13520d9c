"""orchestrator/cli/doctor.py: `steppe doctor` names each missing piece and the command
that fixes it, and fails (exit 1) only for what the project uses. Each machine is
simulated through PATH: a folder holding only some of the tools.

Motia checks for Python only when the project has Python files
(packages/snap/src/utils/validate-python-environment.ts: `if (!hasPythonFiles) return
{ success: true }`); Steppe does the same for Node and Ruby.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.cli.scaffold import create_project
from tests.helpers import REPO_ROOT
from tests.install.installed import Installed, bin_with

PYTHON_STEP = """
config = {"type": "event", "name": "Count", "subscribes": ["counted"], "emits": []}


async def handler(data, context):
    pass
"""


def doctor(project: Path, path: Path) -> tuple[int, str]:
    """`steppe doctor` from the checkout, with only `path` on PATH; its exit code and output."""
    env = {**os.environ, "PATH": str(path), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", "doctor"],
        cwd=project, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, " ".join(done.stdout.split())


@pytest.fixture
def four_languages(tmp_path: Path) -> Path:
    create_project(tmp_path / "app")
    return tmp_path / "app"


@pytest.fixture
def python_only(make_project: Callable[..., Path]) -> Path:
    return make_project({"steps/count.step.py": PYTHON_STEP})


def fake_program(folder: Path, name: str, script: str) -> None:
    """A stand-in for a program on PATH: a shell script."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\n{script}\n")
    (folder / name).chmod(0o755)


def test_a_machine_with_everything_passes(four_languages: Path, tmp_path: Path) -> None:
    code, said = doctor(four_languages, bin_with(tmp_path / "bin", "node", "npm", "ruby"))
    assert code == 0, said
    assert "MISSING" not in said
    for check in ("Node.js: v", "Node runner's packages: installed in", "Ruby: ruby 3"):
        assert check in said
    assert "Ruby msgpack: loads" in said
    assert "data folder: .steppe is writable" in said
    assert "Redis: not configured" in said
    assert "This machine has everything the project needs." in said


def test_node_missing_fails_a_project_with_typescript_steps_only(
    four_languages: Path, python_only: Path, tmp_path: Path
) -> None:
    only_ruby = bin_with(tmp_path / "bin", "ruby")
    code, said = doctor(four_languages, only_ruby)
    assert code == 1
    assert "MISSING Node.js: no `node` on PATH; 2 TypeScript or JavaScript file(s) need it" in said
    assert "fix: apt-get install nodejs npm" in said
    assert said.endswith("This project needs what is missing: Node.js")

    code, said = doctor(python_only, only_ruby)
    assert code == 0, said
    assert "unused Node.js: no `node` on PATH; no TypeScript or JavaScript files need it" in said


def test_a_node_older_than_the_runner_supports_is_named(
    four_languages: Path, tmp_path: Path
) -> None:
    path = bin_with(tmp_path / "bin", "npm", "ruby")
    fake_program(path, "node", "echo v18.19.0")
    code, said = doctor(four_languages, path)
    assert code == 1
    assert "MISSING Node.js: v18.19.0 is older than 20.6" in said  # runners/node engines


def test_ruby_missing_fails_only_a_project_with_ruby_steps(
    four_languages: Path, python_only: Path, tmp_path: Path
) -> None:
    no_ruby = bin_with(tmp_path / "bin", "node", "npm")
    code, said = doctor(four_languages, no_ruby)
    assert code == 1
    assert "MISSING Ruby: no `ruby` on PATH; 1 Ruby file(s) need it" in said
    assert "fix: apt-get install ruby ruby-msgpack" in said

    code, said = doctor(python_only, no_ruby)
    assert code == 0, said
    assert "unused Ruby: no `ruby` on PATH; no Ruby files need it" in said


def test_ruby_without_its_msgpack_library_is_named(four_languages: Path, tmp_path: Path) -> None:
    path = bin_with(tmp_path / "bin", "node", "npm")
    # The real Ruby, without the gems where Debian's ruby-msgpack lives.
    real_ruby = Path(shutil.which("ruby") or "ruby").resolve()
    fake_program(path, "ruby", f'exec {real_ruby} --disable-gems "$@"')
    code, said = doctor(four_languages, path)
    assert code == 1
    assert 'MISSING Ruby msgpack: `require "msgpack"` fails' in said
    assert "fix: apt-get install ruby-msgpack" in said


def test_a_data_folder_that_cannot_be_made_is_named(four_languages: Path, tmp_path: Path) -> None:
    (four_languages / "notes.txt").write_text("mine")
    (four_languages / "steppe.toml").write_text('data_dir = "notes.txt/data"\n')
    code, said = doctor(four_languages, bin_with(tmp_path / "bin", "node", "npm", "ruby"))
    assert code == 1
    assert f"MISSING data folder: notes.txt/data: {four_languages / 'notes.txt'} is a file" in said
    assert "set data_dir in steppe.toml" in said


@pytest.mark.install
def test_the_node_runner_packages_of_an_installed_steppe(
    installed: Installed, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert installed.run("create", "app", cwd=tmp_path, cache=cache).returncode == 0
    project = tmp_path / "app"

    no_npm = installed.run(
        "doctor", cwd=project, cache=cache, path=bin_with(tmp_path / "a", "node", "ruby")
    )
    said = " ".join(no_npm.stdout.split())
    assert no_npm.returncode == 1, said
    assert "runners from the installed package at" in said
    assert "MISSING Node runner's packages: not installed, and no `npm` on PATH" in said
    assert "apt-get install npm" in said

    with_npm = installed.run("doctor", cwd=project, cache=cache)
    said = " ".join(with_npm.stdout.split())
    assert with_npm.returncode == 0, said
    assert "Node runner's packages: not installed yet; the first `steppe dev`" in said
    assert f"`start` or `build` installs them into {cache}" in said

    assert installed.run("build", cwd=project, cache=cache).returncode == 0
    after = installed.run(
        "doctor", cwd=project, cache=cache, path=bin_with(tmp_path / "b", "node", "ruby")
    )
    said = " ".join(after.stdout.split())
    assert after.returncode == 0, said  # npm is needed no more
    assert f"Node runner's packages: installed in {cache / 'node-runner'}" in said

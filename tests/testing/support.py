"""Helpers for the tests of `steppe test` and its harnesses: running the command on a
project as a user does, and jest and vitest installs shared by every run of the suite."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "testing"
# In the repository's data folder, which git ignores: installed once, kept between runs.
NPM_CACHE = REPO_ROOT / ".steppe" / "test-cache"
JEST_PACKAGES = ["jest@30", "ts-jest@29", "typescript@5"]
VITEST_PACKAGES = ["vitest@4"]


def steppe_test(project: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    """`steppe test PATHS…` in `project`; stdout and stderr together in `.stdout`."""
    env = {k: v for k, v in os.environ.items() if k != "STEPPE_TEST_URL"}
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "test", *paths],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=300,
    )  # fmt: skip


def jest_modules() -> Path:
    """A node_modules with jest, ts-jest and typescript; a project links to it to "have jest"."""
    return installed("jest", JEST_PACKAGES)


def vitest_modules() -> Path:
    return installed("vitest", VITEST_PACKAGES)


def installed(name: str, packages: list[str]) -> Path:
    """A node_modules with `packages`, installed with npm the first time (a few seconds) and
    reused by every later run."""
    folder = NPM_CACHE / name
    modules, stamp, wanted = (
        folder / "node_modules",
        folder / "installed.json",
        json.dumps(packages),
    )
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    with (NPM_CACHE / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install, whoever asks at the same time
        if stamp.is_file() and stamp.read_text() == wanted and modules.is_dir():
            return modules
        shutil.rmtree(folder, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=NPM_CACHE))
        (staging / "package.json").write_text(f'{{"name": "{name}-cache", "private": true}}')
        npm = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *packages],
            cwd=staging, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if npm.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.fail(f"npm could not install {' '.join(packages)}:\n{npm.stderr}")
        staging.rename(folder)
        stamp.write_text(wanted)
    return modules


def copy_fixture(name: str, target: Path) -> Path:
    shutil.copytree(FIXTURES / name, target)
    return target

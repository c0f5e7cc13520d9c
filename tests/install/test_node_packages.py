"""orchestrator/runtime/node_packages.py: the Node runner's npm packages are installed
once per Steppe version into the cache folder, never into the installed package, with a
clear error when npm, the network or a writable cache is missing.

Motia installs its packages with the project (`npx motia create` runs npm install:
`installNodeDependencies` in packages/snap/src/create/index.ts); Steppe's runner
packages belong to Steppe, not to the project, so they are installed for it, once, on
first use.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from orchestrator import __version__
from orchestrator.runtime.languages import PROTOCOL_VERSION
from tests.install.installed import Installed, bin_with, clean_environment

pytestmark = pytest.mark.install


@pytest.fixture
def project(installed: Installed, tmp_path: Path) -> Path:
    created = installed.run("create", "app", cwd=tmp_path, cache=tmp_path / "unused")
    assert created.returncode == 0, created.stderr
    return tmp_path / "app"


def _said(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    return " ".join(result.stderr.split())


def test_without_npm_the_first_build_says_how_to_install_it(
    installed: Installed, project: Path, tmp_path: Path
) -> None:
    no_npm = bin_with(tmp_path / "bin", "node", "ruby")
    cache = tmp_path / "cache"
    result = installed.run("build", cwd=project, cache=cache, path=no_npm)
    assert result.returncode == 1
    said = _said(result)
    assert "npm is not installed (not on PATH)" in said
    assert "apt-get install npm" in said
    assert not (cache / "node-runner").exists() or not any((cache / "node-runner").iterdir())


def test_without_the_registry_the_error_says_so_and_leaves_nothing_half_installed(
    installed: Installed, project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    offline = {
        "npm_config_registry": "http://127.0.0.1:9/",  # nothing listens there
        "npm_config_cache": str(tmp_path / "npm-cache"),  # nothing cached to fall back on
        "npm_config_fetch_retries": "0",
    }
    result = installed.run("build", cwd=project, cache=cache, **offline)
    assert result.returncode == 1
    said = _said(result)
    assert "Setting up the Node runner" in said
    assert "npm could not reach the package registry" in said
    assert "ECONNREFUSED" in said
    assert list((cache / "node-runner").iterdir()) == []  # no copy, no staging folder


def test_an_unwritable_cache_folder_is_named_with_the_setting_that_moves_it(
    installed: Installed, project: Path, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    result = installed.run("build", cwd=project, cache=tmp_path / "a-file" / "cache")
    assert result.returncode == 1
    said = _said(result)
    assert f"cannot write the Node runner's packages into {tmp_path / 'a-file'}" in said
    assert "set STEPPE_CACHE_DIR to a folder you can write" in said


def test_two_first_starts_at_once_share_one_complete_copy(
    installed: Installed, project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    env = clean_environment(STEPPE_CACHE_DIR=str(cache))
    builds = [
        subprocess.Popen(
            [str(installed.steppe), "build"],
            cwd=project,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr
        assert "4 steps, 0 streams, no errors" in stderr
    (copy,) = (cache / "node-runner").iterdir()
    assert copy.name.startswith(f"{__version__}-")


def test_a_copy_from_another_protocol_version_is_refused_naming_what_to_delete(
    installed: Installed, project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert installed.run("build", cwd=project, cache=cache).returncode == 0
    (copy,) = (cache / "node-runner").iterdir()
    schema_file = copy / "schemas" / "protocol.schema.json"
    schema = json.loads(schema_file.read_text())
    schema_file.write_text(json.dumps({**schema, "protocolVersion": PROTOCOL_VERSION + 1}))

    refused = installed.run("build", cwd=project, cache=cache)
    assert refused.returncode == 1
    said = _said(refused)
    assert (
        f"the node runner in {copy / 'runners' / 'node'} says protocol {PROTOCOL_VERSION + 1}, "
        f"and this Steppe ({__version__}) speaks protocol {PROTOCOL_VERSION}: the runner comes "
        f"from another Steppe version and was refused; delete {copy}"
    ) in said
    assert "steps/create-greeting.step.ts" in said  # the files it could not load
    assert said.count("was refused") <= 3  # not restarted again and again

    subprocess.run(["rm", "-rf", str(copy)], check=True)
    again = installed.run("build", cwd=project, cache=cache)
    assert again.returncode == 0, again.stderr

"""Versions (issue 22, item 4): `steppe --version` shows the package and runner protocol
versions; a runner that says another protocol version in its `ready` note is refused
with a message, and not restarted (runtime/supervisor.py, runtime/languages.py).

Motia shows its version from its package.json (packages/snap/src/version.ts); its
runners ship in the same package as the code that starts them, so it never checks
them. Steppe's Node runner may run from a copy in the cache, hence the check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from orchestrator import __version__
from orchestrator.core.errors import RunnerUnavailable
from orchestrator.core.paths import RUNNERS_DIR, SCHEMAS_DIR
from orchestrator.runtime.languages import PROTOCOL_VERSION, RunnerSpec, runner_spec
from orchestrator.runtime.supervisor import Supervisor
from tests.helpers import REPO_ROOT


def test_version_names_the_package_and_the_runner_protocol() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    shown = subprocess.run(
        [sys.executable, "-m", "orchestrator", "--version"],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    schema = json.loads((SCHEMAS_DIR / "protocol.schema.json").read_text())
    assert shown.stdout.strip() == f"steppe {__version__} (runner protocol {PROTOCOL_VERSION})"
    assert schema["protocolVersion"] == PROTOCOL_VERSION


def python_runner_of_protocol(folder: Path, version: int) -> RunnerSpec:
    """The real Python runner, copied with a schema that says another protocol version,
    laid out as a Steppe installation is (runners/ and schemas/ side by side)."""
    shutil.copytree(
        RUNNERS_DIR / "python" / "steppe_runner", folder / "runners/python/steppe_runner"
    )
    schema = json.loads((SCHEMAS_DIR / "protocol.schema.json").read_text())
    (folder / "schemas").mkdir()
    (folder / "schemas/protocol.schema.json").write_text(
        json.dumps({**schema, "protocolVersion": version})
    )
    ours = runner_spec("python")
    home = folder / "runners" / "python"
    return RunnerSpec("python", home, ours.argv, ours.echo_argv, (("PYTHONPATH", str(home)),))


async def test_a_runner_of_another_protocol_version_is_refused_once(
    tmp_path: Path, make_project: Callable[..., Path]
) -> None:
    spec = python_runner_of_protocol(tmp_path / "old-steppe", PROTOCOL_VERSION + 1)
    stderr: list[str] = []

    async def no_calls(method: str, params: Any) -> None:
        raise AssertionError(method)

    supervisor = Supervisor(
        spec, make_project({}), on_request=no_calls, on_note=lambda m, p: None,
        on_stderr=stderr.append,
    )  # fmt: skip
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.serve)
        with pytest.raises(RunnerUnavailable) as refused:
            await supervisor.session()
        await trio.sleep(0.5)  # time enough for a restart, were there one
        assert supervisor.restarts == 0
        assert not supervisor.ready
        await supervisor.stop()
    assert str(refused.value) == (
        f"the python runner in {spec.home} says protocol {PROTOCOL_VERSION + 1}, and this "
        f"Steppe ({__version__}) speaks protocol {PROTOCOL_VERSION}: the runner comes from "
        "another Steppe version and was refused; reinstall Steppe"
    )


async def test_a_runner_of_the_same_version_is_taken(
    tmp_path: Path, make_project: Callable[..., Path]
) -> None:
    spec = python_runner_of_protocol(tmp_path / "same-steppe", PROTOCOL_VERSION)

    async def no_calls(method: str, params: Any) -> None:
        raise AssertionError(method)

    supervisor = Supervisor(
        spec, make_project({}), on_request=no_calls, on_note=lambda m, p: None,
        on_stderr=lambda line: None,
    )  # fmt: skip
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.serve)
        assert await supervisor.call("ping", 7) == 7
        await supervisor.stop()

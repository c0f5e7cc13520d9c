"""Helpers for tests of Steppe as a user installs it: the wheel built from a copy of the
checkout, installed into a fresh virtual environment outside the repository, and its
`steppe` command run there without the checkout on PYTHONPATH."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import REPO_ROOT

ADMIN_TOKEN = "install-test-token-not-a-secret"


def build_dists(into: Path) -> tuple[Path, Path]:
    """`python -m build` (the sdist, then the wheel from the sdist) on a copy of the
    checkout's files: git's tracked and new ones, never an ignored `node_modules` or a
    stale `*.egg-info` that setuptools would read its file list from."""
    source = into / "source"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        path = REPO_ROOT / name
        if path.is_file() and not path.is_symlink():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name)
    dist = into / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(source)],
        capture_output=True, check=True, timeout=600,
    )  # fmt: skip
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return wheel, sdist


def clean_environment(**changes: str) -> dict[str, str]:
    """The test's environment without what points at the checkout (PYTHONPATH would
    import the checkout's `orchestrator` instead of the installed one), plus `changes`."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env | changes


def bin_with(folder: Path, *programs: str) -> Path:
    """A folder holding links to only these programs, to stand for a PATH without the rest."""
    folder.mkdir(parents=True, exist_ok=True)
    for program in programs:
        found = shutil.which(program)
        assert found, f"{program} is needed on this machine for the test"
        (folder / program).symlink_to(Path(found).resolve())
    return folder


@dataclass(frozen=True)
class Installed:
    """Steppe installed from its wheel into a virtual environment of its own."""

    venv: Path
    wheel: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def steppe(self) -> Path:
        return self.venv / "bin" / "steppe"

    @classmethod
    def create(cls, venv: Path, wheel: Path) -> Installed:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        # Dependencies come from the package index, as for a user.
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
            capture_output=True, check=True, timeout=600, env=clean_environment(),
        )  # fmt: skip
        return cls(venv, wheel)

    def package_dir(self) -> Path:
        """Where `orchestrator` is imported from by the installed `steppe`."""
        found = subprocess.run(
            [str(self.python), "-c", "import orchestrator; print(orchestrator.__file__)"],
            capture_output=True, text=True, check=True, env=clean_environment(), cwd=self.venv,
        )  # fmt: skip
        return Path(found.stdout.strip()).parent

    def run(
        self, *args: str, cwd: Path, cache: Path, path: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """`steppe ARGS` in `cwd`, with its cache folder at `cache` and, when given,
        only `path` on PATH."""
        return subprocess.run(
            [str(self.steppe), *args],
            cwd=cwd, capture_output=True, text=True, timeout=300,
            env=self._env(cache, path, env),
        )  # fmt: skip

    @contextmanager
    def serving(
        self, project: Path, cache: Path, path: Path | None = None
    ) -> Iterator[httpx.Client]:
        """`steppe start` in `project` on a free port, until SIGTERM (which must exit 0)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = project / "server.log"
        env = self._env(cache, path, {"STEPPE_ADMIN_TOKEN": ADMIN_TOKEN})
        with log.open("w") as output:
            server = subprocess.Popen(
                [str(self.steppe), "start", "--port", str(port)],
                cwd=project, stdout=output, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        headers = {"authorization": f"Bearer {ADMIN_TOKEN}"}
        try:
            with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
                _wait_until_up(client, server, log)
                yield client
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        assert server.returncode == 0, log.read_text()

    def _env(self, cache: Path, path: Path | None, extra: dict[str, str]) -> dict[str, str]:
        changes = {"STEPPE_CACHE_DIR": str(cache), **extra}
        if path is not None:
            changes["PATH"] = str(path)
        return clean_environment(**changes)


def _wait_until_up(client: httpx.Client, server: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, f"steppe start exited:\n{log.read_text()}"
        try:
            if client.get("/openapi.json").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"steppe start never answered:\n{log.read_text()}")


def stored_greeting(client: httpx.Client, greeting_id: str) -> dict[str, Any]:
    """The greeting the flow's last step (Ruby) stored, read through the admin API."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = client.get("/__steppe/api/state/greetings")
        assert answer.status_code == 200, answer.text
        for item in answer.json():
            if item["key"] == greeting_id and item["value"].get("status") == "stored":
                value: dict[str, Any] = item["value"]
                return value
        time.sleep(0.1)
    raise AssertionError(f"greeting {greeting_id} was never stored")


def files_under(folder: Path) -> dict[str, float]:
    """Every file below `folder` and its modification time."""
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}

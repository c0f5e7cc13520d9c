"""Steppe as a user installs it (issue 22): the wheel carries its runners, and the
installed `steppe` creates, builds and serves a project outside the repository.

Motia ships its Python and Ruby runners inside its npm package and finds them next to
its own module (packages/core/src/language-runner.ts, `path.join(__dirname, 'python',
…)`); Steppe's wheel does the same with `orchestrator/_shipped/`.
"""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from orchestrator import __version__
from orchestrator.runtime.languages import PROTOCOL_VERSION
from tests.helpers import REPO_ROOT
from tests.install.installed import Installed, bin_with, files_under, stored_greeting

pytestmark = pytest.mark.install

SHIPPED_SOURCES = (
    "runners/node/src",
    "runners/node/package.json",
    "runners/node/package-lock.json",
    "runners/python/steppe_runner",
    "runners/ruby/runner.rb",
    "runners/ruby/echo.rb",
    "runners/ruby/lib",
    "schemas",
)


def _tracked(*paths: str) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", *paths], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


def test_the_wheel_and_the_sdist_carry_every_runner_file(dists: tuple[Path, Path]) -> None:
    wheel, sdist = dists
    assert wheel.name == f"steppe-{__version__}-py3-none-any.whl"  # one wheel for every platform
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    with tarfile.open(sdist) as archive:
        in_sdist = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    expected = _tracked(*SHIPPED_SOURCES)
    assert len(expected) > 40
    assert [f for f in expected if f"orchestrator/_shipped/{f}" not in in_wheel] == []
    assert [f for f in expected if f not in in_sdist] == []
    # Nothing the runners do not need at run time: tests, benchmarks, installed packages.
    shipped = [n.removeprefix("orchestrator/_shipped/") for n in in_wheel if "/_shipped/" in n]
    assert sorted(shipped) == sorted(expected)
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB")


def test_the_installed_steppe_serves_a_created_project_in_four_languages(
    installed: Installed, tmp_path: Path
) -> None:
    package = installed.package_dir()
    assert installed.venv in package.parents, package  # the wheel's own files, not the checkout's
    assert (package / "_shipped" / "runners" / "node" / "src" / "runner.mjs").is_file()
    before = files_under(package)
    cache = tmp_path / "cache"

    version = installed.run("--version", cwd=tmp_path, cache=cache)
    assert version.stdout.strip() == f"steppe {__version__} (runner protocol {PROTOCOL_VERSION})"

    created = installed.run("create", "app", cwd=tmp_path, cache=cache)
    assert created.returncode == 0, created.stderr
    assert "steppe dev" in created.stderr
    project = tmp_path / "app"

    first = installed.run("build", cwd=project, cache=cache)
    assert first.returncode == 0, first.stderr
    assert "Setting up the Node runner, once per Steppe version" in first.stderr
    assert "4 steps, 0 streams, no errors" in first.stderr
    (copy,) = (cache / "node-runner").iterdir()
    assert copy.name.startswith(f"{__version__}-")
    assert (copy / "runners" / "node" / "node_modules" / "esbuild").is_dir()

    again = installed.run("build", cwd=project, cache=cache)
    assert again.returncode == 0, again.stderr
    assert "Setting up the Node runner" not in again.stderr  # once per version

    with installed.serving(project, cache) as client:
        answer = client.post("/greetings", json={"name": "Ada", "language": "fr"})
        assert answer.status_code == 202, answer.text
        stored = stored_greeting(client, answer.json()["id"])
        invalid = client.post("/greetings", json={"name": ""})
    assert stored["text"] == "Bonjour, Ada!"  # TypeScript → JavaScript
    assert (stored["words"], stored["letters"]) == (2, 10)  # → Python → stored by Ruby
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["path"] == "name"
    # Nothing was written into the installed package at run time.
    assert files_under(package) == before


PYTHON_API_STEP = """
config = {
    "type": "api",
    "name": "CreateGreeting",
    "method": "POST",
    "path": "/greetings",
    "bodySchema": {
        "type": "object",
        "properties": {"name": {"type": "string", "minLength": 1}},
        "required": ["name"],
    },
    "emits": ["greeting.composed"],
    "flows": ["greetings"],
}


async def handler(req, context):
    name = req["body"]["name"]
    data = {"id": context.trace_id, "name": name, "text": f"Hello, {name}!"}
    await context.emit({"topic": "greeting.composed", "data": data})
    return {"status": 202, "body": {"id": context.trace_id, "status": "requested"}}
"""


def test_without_node_a_python_and_ruby_project_builds_and_serves(
    installed: Installed, tmp_path: Path
) -> None:
    no_node = bin_with(tmp_path / "bin", "ruby")
    cache = tmp_path / "cache"
    assert installed.run("create", "app", cwd=tmp_path, cache=cache).returncode == 0
    project = tmp_path / "app"

    # The TypeScript and JavaScript steps need Node: one error naming them, no traceback.
    for command in ("build", "dev"):
        refused = installed.run(command, cwd=project, cache=cache, path=no_node)
        assert refused.returncode == 1
        message = " ".join(refused.stderr.split())
        assert (
            "Node.js is not installed (no `node` on PATH), and 2 file(s) need it: "
            "steps/compose-greeting.step.js, steps/create-greeting.step.ts" in message
        )
        assert "apt-get install nodejs" in message and "Traceback" not in refused.stderr

    (project / "steps" / "create-greeting.step.ts").unlink()
    (project / "steps" / "compose-greeting.step.js").unlink()
    (project / "steps" / "create_greeting.step.py").write_text(PYTHON_API_STEP)
    built = installed.run("build", cwd=project, cache=cache, path=no_node)
    assert built.returncode == 0, built.stderr
    assert "3 steps, 0 streams, no errors" in built.stderr

    with installed.serving(project, cache, path=no_node) as client:
        answer = client.post("/greetings", json={"name": "Grace"})
        assert answer.status_code == 202, answer.text
        stored = stored_greeting(client, answer.json()["id"])
    assert stored["text"] == "Hello, Grace!"
    assert (stored["words"], stored["letters"]) == (2, 10)
    assert not cache.exists()  # no Node runner was set up

"""orchestrator/cli/scaffold.py: `steppe create DIR` makes a project that builds, serves its
flow across the four languages, and type-checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.cli.scaffold import ProjectExists, create_project
from orchestrator.model.settings import Settings, load_settings
from orchestrator.typegen.write import write_types
from tests.helpers import REPO_ROOT, serving

TSC = REPO_ROOT / "runners" / "node" / "node_modules" / ".bin" / "tsc"


def steppe(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        capture_output=True, text=True, timeout=60, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made by the real command, as a user makes one."""
    parent = tmp_path_factory.mktemp("create")
    result = steppe("create", "my-app", cwd=parent)
    assert result.returncode == 0, result.stderr
    assert "cd my-app" in result.stderr
    return parent / "my-app"


def test_the_project_has_every_file(created: Path) -> None:
    files = sorted(str(p.relative_to(created)) for p in created.rglob("*") if p.is_file())
    assert files == [
        ".env.example",
        ".gitignore",
        "README.md",
        "package.json",
        "steppe.toml",
        "steps/analyze_greeting.step.py",
        "steps/compose-greeting.step.js",
        "steps/create-greeting.step.ts",
        "steps/store-greeting.step.rb",
        "tests/greetings.spec.ts",
        "tests/greetings_test.rb",
        "tests/test_greetings.py",
        "tsconfig.json",
    ]
    ignored = (created / ".gitignore").read_text().splitlines()
    assert {".env", ".steppe/", "node_modules/"} <= set(ignored)
    # Comments only: no value, real or made up, that someone could take for a secret.
    env_lines = (created / ".env.example").read_text().splitlines()
    assert all(not line.strip() or line.startswith("#") for line in env_lines)
    assert "steppe dev" in (created / "README.md").read_text()
    assert "curl -s -X POST http://127.0.0.1:3000/greetings" in (created / "README.md").read_text()
    assert json.loads((created / "package.json").read_text())["name"] == "my-app"
    assert "# my-app" in (created / "README.md").read_text()


def test_settings_file_is_all_comments_at_the_defaults(created: Path) -> None:
    text = (created / "steppe.toml").read_text()
    assert all(not line.strip() or line.startswith("#") for line in text.splitlines())
    assert load_settings(created) == Settings()
    for field in Settings.__dataclass_fields__:
        if field != "source":
            shown = f"# {field} = " in text or f"# [{field}]" in text  # a key or a table
            assert shown, f"add {field} to templates/project/steppe.toml.tmpl"


def test_the_project_builds(created: Path) -> None:
    result = steppe("build", "--dir", str(created))
    assert result.returncode == 0, result.stderr
    assert "4 steps, 0 streams, no errors" in result.stderr
    assert "CreateGreeting —greeting.requested→ ComposeGreeting" in result.stderr


async def test_the_flow_runs_through_four_languages_and_type_checks(
    created: Path, tmp_path: Path, restore_environ: None
) -> None:
    project = tmp_path / "app"
    create_project(project)
    # .env reaches the JavaScript step's process.env.
    os.environ.pop("GREETING_WORD", None)
    (project / ".env").write_text("GREETING_WORD=Howdy\n")
    async with serving(project) as (services, client):
        response = await client.post("/greetings", json={"name": "Ada", "language": "fr"})
        assert response.status_code == 202, response.text
        greeting_id = response.json()["id"]
        await services.bus.wait_idle()
        stored = await services.env.state.get("greetings", greeting_id)
        invalid = await client.post("/greetings", json={"name": ""})

        assert TSC.exists(), "typescript is missing: run `npm ci` in runners/node"
        write_types(services.runtime.project)
    assert stored["status"] == "stored"
    assert stored["text"] == "Howdy, Ada!"
    assert (stored["words"], stored["letters"]) == (2, 8)
    assert invalid.status_code == 400
    assert invalid.json()["errors"][0]["path"] == "name"

    (project / "node_modules").symlink_to(REPO_ROOT / "runners" / "node" / "node_modules")
    tsc = subprocess.run(
        [str(TSC), "-p", str(project), "--pretty", "false"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert tsc.returncode == 0, tsc.stdout


def test_refuses_a_directory_with_files_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    refused = steppe("create", str(target))
    assert refused.returncode == 2
    assert "is not empty (notes.txt)" in " ".join(refused.stderr.split())
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]

    (target / "steppe.toml").write_text("port = 1\n")
    forced = steppe("create", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "steps" / "create-greeting.step.ts").is_file()
    assert load_settings(target) == Settings()  # the template's file replaced the old one


def test_refuses_a_file_and_accepts_an_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ProjectExists, match="not a directory"):
        create_project(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    written = create_project(tmp_path / "empty")
    assert tmp_path / "empty" / "steppe.toml" in written
    nested = create_project(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b" / "steps").is_dir() and nested

"""How to start each language's runner (and its echo twin, the benchmark floor)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestrator.core.paths import RUNNERS_DIR
from orchestrator.core.types import Language

LANGUAGES: tuple[Language, ...] = ("node", "python", "ruby")


@dataclass(frozen=True, slots=True)
class RunnerSpec:
    """The command line and environment of one language's runner."""

    language: Language
    argv: tuple[str, ...]
    echo_argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()

    def command(self, project_dir: Path) -> list[str]:
        return [*self.argv, "--project", str(project_dir)]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for key, value in self.env:
            # Prepend, so a user's PYTHONPATH still works after the runner's own package.
            env[key] = value + (os.pathsep + env[key] if env.get(key) else "")
        return env


def runner_spec(language: Language) -> RunnerSpec:
    """The spec for a language; the Python runner uses the orchestrator's own interpreter,
    so pydantic and anything else installed beside Steppe is importable by steps."""
    if language == "node":
        entry = RUNNERS_DIR / "node" / "src"
        return RunnerSpec(
            "node", ("node", str(entry / "runner.mjs")), ("node", str(entry / "echo.mjs"))
        )
    if language == "python":
        return RunnerSpec(
            "python",
            (sys.executable, "-m", "steppe_runner"),
            (sys.executable, "-m", "steppe_runner.echo"),
            (("PYTHONPATH", str(RUNNERS_DIR / "python")),),
        )
    entry = RUNNERS_DIR / "ruby"
    return RunnerSpec("ruby", ("ruby", str(entry / "runner.rb")), ("ruby", str(entry / "echo.rb")))

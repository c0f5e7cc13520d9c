"""How to start each language's runner (and its echo twin, the benchmark floor), what
each needs on this machine, and the protocol version a runner must speak."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator import __version__
from orchestrator.core.errors import RunnerSetupError
from orchestrator.core.paths import RUNNERS_DIR, SCHEMAS_DIR, relative_label
from orchestrator.core.types import Language
from orchestrator.model.discovery import StepFile
from orchestrator.runtime.node_packages import cache_root, ensure_packages, node_runner_home

LANGUAGES: tuple[Language, ...] = ("node", "python", "ruby")


def _protocol_version() -> int:
    schema = json.loads((SCHEMAS_DIR / "protocol.schema.json").read_text(encoding="utf-8"))
    version: int = schema["protocolVersion"]
    return version


# The runners read the same field from the schema shipped beside them, and say it in
# their `ready` note.
PROTOCOL_VERSION = _protocol_version()


@dataclass(frozen=True, slots=True)
class Interpreter:
    """A program a language's runner needs on PATH (Python's runner uses Steppe's own)."""

    program: str
    name: str
    install: str


INTERPRETERS: dict[Language, Interpreter] = {
    "node": Interpreter(
        "node", "Node.js", "apt-get install nodejs npm (Node.js 20.6 or later; https://nodejs.org)"
    ),
    "ruby": Interpreter("ruby", "Ruby", "apt-get install ruby ruby-msgpack"),
}


@dataclass(frozen=True, slots=True)
class RunnerSpec:
    """The command line and environment of one language's runner; `home` is its folder."""

    language: Language
    home: Path
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
        home = node_runner_home()
        entry = home / "src"
        return RunnerSpec(
            "node", home, ("node", str(entry / "runner.mjs")), ("node", str(entry / "echo.mjs"))
        )
    if language == "python":
        home = RUNNERS_DIR / "python"
        return RunnerSpec(
            "python",
            home,
            (sys.executable, "-m", "steppe_runner"),
            (sys.executable, "-m", "steppe_runner.echo"),
            (("PYTHONPATH", str(home)),),
        )
    home = RUNNERS_DIR / "ruby"
    ruby = ("ruby", *ruby_yjit_flags())
    return RunnerSpec(
        "ruby", home, (*ruby, str(home / "runner.rb")), (*ruby, str(home / "echo.rb"))
    )


# YJIT (Ruby 3.1+) cuts the Ruby runner's CPU time per empty invocation by about a
# quarter. 8 MiB of machine code is plenty for the runner and a project's steps, and
# Ruby 3.1 takes its whole code area up front (256 MiB by default).
RUBY_YJIT_FLAGS = ("--yjit", "--yjit-exec-mem-size=8")


def ruby_yjit_flags() -> tuple[str, ...]:
    """YJIT's flags when the ruby on PATH has YJIT and STEPPE_RUBY_YJIT is not 0."""
    if os.environ.get("STEPPE_RUBY_YJIT", "").strip() == "0" or shutil.which("ruby") is None:
        return ()
    return RUBY_YJIT_FLAGS if _ruby_has_yjit() else ()


@functools.cache
def _ruby_has_yjit() -> bool:
    # Ruby 3.0 refuses the flags; a 3.2+ built without YJIT warns and has no RubyVM::YJIT.
    probe = ["ruby", *RUBY_YJIT_FLAGS, "-e", "exit(defined?(RubyVM::YJIT) ? 0 : 1)"]
    return subprocess.run(probe, capture_output=True, check=False, timeout=30).returncode == 0


def missing_interpreter(language: Language) -> Interpreter | None:
    """The interpreter the language's runner needs when it is not on PATH, else None."""
    interpreter = INTERPRETERS.get(language)
    if interpreter is None or shutil.which(interpreter.program):
        return None
    return interpreter


async def prepare_runners(files: Iterable[StepFile], root: Path) -> None:
    """Check, before any runner starts, that this machine has what the files' languages
    need, and install the Node runner's packages the first time. Raises RunnerSetupError
    naming the files that need a missing interpreter."""
    paths: dict[Language, list[Path]] = {}
    for step_file in files:
        paths.setdefault(step_file.language, []).append(step_file.path)
    problems = []
    for language, needing in paths.items():
        missing = missing_interpreter(language)
        if missing is not None:
            shown = ", ".join(relative_label(p, root) for p in sorted(needing))
            problems.append(
                f"{missing.name} is not installed (no `{missing.program}` on PATH), and "
                f"{len(needing)} file(s) need it: {shown}. Install it: {missing.install}"
            )
    if problems:
        raise RunnerSetupError("\n".join([*problems, "`steppe doctor` checks everything."]))
    if "node" in paths:
        await ensure_packages()


async def prepare_runner(language: Language) -> None:
    """What `prepare_runners` does for a runner started later (a first file of a new
    language while `steppe dev` runs). Raises RunnerSetupError."""
    missing = missing_interpreter(language)
    if missing is not None:
        raise RunnerSetupError(
            f"the {language} runner cannot start: {missing.name} is not installed "
            f"(no `{missing.program}` on PATH). Install it: {missing.install}"
        )
    if language == "node":
        await ensure_packages()


def protocol_refusal(spec: RunnerSpec, ready: Any) -> str | None:
    """Why a runner whose `ready` note carries another protocol version is refused, or
    None when it speaks this orchestrator's."""
    theirs = ready.get("protocol") if isinstance(ready, dict) else None
    if type(theirs) is int and theirs == PROTOCOL_VERSION:
        return None
    said = f"protocol {theirs}" if type(theirs) is int else "no protocol version"
    remedy = "reinstall Steppe"
    if cache_root() in spec.home.parents:
        remedy = (
            f"delete {spec.home.parents[1]} (Steppe's copy of it, made again on the next start)"
        )
    return (
        f"the {spec.language} runner in {spec.home} says {said}, and this Steppe "
        f"({__version__}) speaks protocol {PROTOCOL_VERSION}: the runner comes from another "
        f"Steppe version and was refused; {remedy}"
    )

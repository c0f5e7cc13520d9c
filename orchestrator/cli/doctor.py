"""`steppe doctor`: does this machine have what the project needs?

Each check says what it found and, when something is missing, the command that fixes
it. Only what the project uses is needed: Node.js and the Node runner's packages for
TypeScript and JavaScript steps, Ruby and its msgpack library for Ruby steps (Python
steps run on Steppe's own interpreter). Motia checks Python the same way, only when the
project has Python files (packages/snap/src/utils/validate-python-environment.ts).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from orchestrator import __version__
from orchestrator.core.paths import FILES_ROOT, INSTALLED, RUNNERS_DIR, relative_label
from orchestrator.model.discovery import discover
from orchestrator.model.settings import Settings
from orchestrator.runtime.languages import INTERPRETERS, PROTOCOL_VERSION
from orchestrator.runtime.node_packages import (
    CACHE_VARIABLE,
    NO_NPM,
    cache_root,
    node_runner_home,
    packages_installed,
)

# The files an installed Steppe cannot run without, relative to FILES_ROOT.
_STEPPE_FILES = (
    "runners/node/src/runner.mjs",
    "runners/node/package-lock.json",
    "runners/python/steppe_runner/__main__.py",
    "runners/ruby/runner.rb",
    "schemas/protocol.schema.json",
)
_PROBE_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Finding:
    """One check: what was found, and the command that fixes it when it is missing."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    needed: bool = True  # a missing thing the project does not need is no failure


def run_doctor(project_dir: Path, settings: Settings) -> int:
    """Print every check; 1 when something the project needs is missing, else 0."""
    uses = Counter(f.language for f in discover(project_dir, settings.step_dirs))
    findings = [
        _steppe_files(),
        Finding("Python", True, f"{sys.version.split()[0]} ({sys.executable})"),
        *_node(uses["node"]),
        *_ruby(uses["ruby"]),
        _data_folder(project_dir, settings),
        Finding("Redis", True, "not configured (Steppe has no Redis backend yet)"),
    ]
    out = Console(highlight=False, soft_wrap=True)
    where = "installed package" if INSTALLED else "checkout"
    out.print(
        f"steppe {__version__} (runner protocol {PROTOCOL_VERSION}), runners from the "
        f"{where} at {escape(str(FILES_ROOT))}"
    )
    for finding in findings:
        if finding.ok:
            mark = "[green]ok[/]     "
        else:
            mark = "[bold red]MISSING[/]" if finding.needed else "[yellow]unused[/] "
        out.print(f"  {mark} {escape(finding.name)}: {escape(finding.detail)}")
        if finding.fix and not finding.ok:
            out.print(f"           [bold]fix:[/] {escape(finding.fix)}")
    failed = [f.name for f in findings if f.needed and not f.ok]
    if failed:
        out.print(f"[bold red]This project needs what is missing:[/] {', '.join(failed)}")
        return 1
    out.print("[green]This machine has everything the project needs.[/]")
    return 0


def _steppe_files() -> Finding:
    absent = [name for name in _STEPPE_FILES if not (FILES_ROOT / name).is_file()]
    if absent:
        return Finding(
            "Steppe's files",
            False,
            f"missing from {FILES_ROOT}: {', '.join(absent)}",
            "pip install --force-reinstall steppe (or pipx reinstall steppe)",
        )
    return Finding("Steppe's files", True, "runners and schemas present")


def _use(count: int, kind: str) -> str:
    return f"{count} {kind} file(s) need it" if count else f"no {kind} files need it"


def _node(files: int) -> list[Finding]:
    needed = files > 0
    use = _use(files, "TypeScript or JavaScript")
    install = INTERPRETERS["node"].install
    if shutil.which("node") is None:
        return [Finding("Node.js", False, f"no `node` on PATH; {use}", install, needed)]
    version = _output(["node", "--version"])
    least = _least_node()
    found = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if len(found) < 2 or found < least:
        wanted = ".".join(map(str, least))
        detail = f"{version or 'no version'} is older than {wanted}; {use}"
        return [Finding("Node.js", False, detail, install, needed)]
    return [Finding("Node.js", True, f"{version}; {use}", needed=needed), _node_packages(needed)]


def _least_node() -> tuple[int, ...]:
    """The oldest Node the runner supports: `engines.node` of its package.json."""
    package = json.loads((RUNNERS_DIR / "node" / "package.json").read_text(encoding="utf-8"))
    return tuple(int(n) for n in re.findall(r"\d+", package["engines"]["node"])[:2])


def _node_packages(needed: bool) -> Finding:
    name = "Node runner's packages"
    if packages_installed():
        return Finding(name, True, f"installed in {node_runner_home()}", needed=needed)
    if shutil.which("npm") is None:
        return Finding(name, False, "not installed, and no `npm` on PATH", NO_NPM, needed)
    unwritable = _unwritable(cache_root())
    if unwritable:
        fix = f"set {CACHE_VARIABLE} to a folder you can write"
        return Finding(name, False, f"cannot be installed: {unwritable}", fix, needed)
    detail = (
        f"not installed yet; the first `steppe dev`, `start` or `build` installs them into "
        f"{cache_root()} (npm ci, a few seconds, needs the npm registry)"
    )
    return Finding(name, True, detail, needed=needed)


def _ruby(files: int) -> list[Finding]:
    needed = files > 0
    use = _use(files, "Ruby")
    if shutil.which("ruby") is None:
        install = INTERPRETERS["ruby"].install
        return [Finding("Ruby", False, f"no `ruby` on PATH; {use}", install, needed)]
    ruby = Finding("Ruby", True, f"{_output(['ruby', '--version'])}; {use}", needed=needed)
    loads = _succeeds(["ruby", "-e", 'require "msgpack"'])
    msgpack = Finding(
        "Ruby msgpack",
        loads,
        "loads" if loads else '`require "msgpack"` fails',
        "apt-get install ruby-msgpack (or: gem install msgpack)",
        needed,
    )
    return [ruby, msgpack]


def _data_folder(project_dir: Path, settings: Settings) -> Finding:
    folder = project_dir / settings.data_dir
    shown = relative_label(folder, project_dir)
    unwritable = _unwritable(folder)
    if unwritable:
        fix = "make it writable, or set data_dir in steppe.toml to a folder Steppe can write"
        return Finding("data folder", False, f"{shown}: {unwritable}", fix)
    later = "" if folder.exists() else " (made by the first `steppe dev` or `start`)"
    return Finding("data folder", True, f"{shown} is writable{later}")


def _unwritable(folder: Path) -> str | None:
    """Why `folder` cannot be written (or made), or None."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def _output(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def _succeeds(argv: list[str]) -> bool:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=_PROBE_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0

"""What `steppe test` runs for each language's files: the command, its environment and
folder, and whether it needs the run's test server (docs/reference.md §13).

Python tests run under pytest with the plugin (`plugin.py`), which serves the project
itself; JavaScript/TypeScript specs and Ruby tests talk to the server `steppe test`
started, found through STEPPE_TEST_URL.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.core.paths import RUNNERS_DIR

URL_VARIABLE = "STEPPE_TEST_URL"
RUBY_LIB = RUNNERS_DIR / "ruby" / "lib"
_PLUGIN = "orchestrator.testing.plugin"


@dataclass
class Suite:
    """One runner over some files. `missing` says why it cannot run (no pytest, no ruby)."""

    language: str  # python, js, ruby
    runner: str  # pytest, jest, vitest, node, minitest
    files: list[Path]
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    needs_server: bool = True
    missing: str | None = None


def python_suite(root: Path, files: list[Path]) -> Suite:
    """pytest on the orchestrator's own interpreter, with the `steppe` fixture loaded (by
    its entry point when Steppe is installed, else named with -p)."""
    argv = [sys.executable, "-m", "pytest", *plugin_args(), "--steppe-dir", str(root)]
    argv += map(str, files)
    missing = None
    if importlib.util.find_spec("pytest") is None:
        missing = f"pytest is not installed for {sys.executable} (pip install pytest)"
    return Suite("python", "pytest", files, argv, root, needs_server=False, missing=missing)


def plugin_args() -> list[str]:
    """`-p` and the plugin, unless pytest loads it by itself (Steppe installed with its
    entry point): naming it twice would register it twice."""
    entries = importlib.metadata.entry_points(group="pytest11")
    return [] if any(entry.value == _PLUGIN for entry in entries) else ["-p", _PLUGIN]


def ruby_suite(root: Path, files: list[Path]) -> Suite:
    """minitest: each file required in one process, `steppe/testing` on the load path."""
    argv = ["ruby", "-I", str(RUBY_LIB), "-e", "ARGV.each { |f| require f }", *map(str, files)]
    missing = None if shutil.which("ruby") else "ruby is not installed"
    return Suite("ruby", "minitest", files, argv, root, missing=missing)


def with_server(suite: Suite, url: str) -> dict[str, str]:
    """The environment a suite runs in, pointed at the run's server."""
    env = dict(os.environ)
    env.update(suite.env)
    if suite.needs_server:
        env[URL_VARIABLE] = url
    return env

"""The Ruby runner runs with YJIT where the interpreter has it (Ruby 3.1+) unless
STEPPE_RUBY_YJIT=0 (runtime/languages.py): it cuts the runner's CPU time per empty
invocation by about a quarter. Motia starts its Ruby runner as plain `ruby ruby-runner.rb`
(packages/core/src/language-runner.ts); Steppe's runner is its own, so this is its
choice, seen in the `ready` note.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import msgpack
import pytest

from orchestrator.runtime.languages import runner_spec

pytestmark = pytest.mark.skipif(shutil.which("ruby") is None, reason="no ruby")


def has_yjit() -> bool:
    probe = ["ruby", "-e", "exit(defined?(RubyVM::YJIT) ? 0 : 1)"]
    return subprocess.run(probe, check=False).returncode == 0


def ready_runtime(project: Path) -> str:
    """The `runtime` the Ruby runner names in its `ready` note, started as the
    orchestrator starts it."""
    spec = runner_spec("ruby")
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    with subprocess.Popen(spec.command(project), env=spec.environment(), **pipes) as runner:
        assert runner.stdout is not None and runner.stdin is not None
        (size,) = struct.unpack(">I", runner.stdout.read(4))
        note = msgpack.unpackb(runner.stdout.read(size))
        runner.stdin.close()
        runner.wait(10)
    assert note["m"] == "ready"
    runtime: str = note["p"]["runtime"]
    return runtime


@pytest.mark.skipif(not has_yjit(), reason="this ruby has no YJIT")
def test_the_ruby_runner_runs_with_yjit(make_project: Callable[..., Path]) -> None:
    assert ready_runtime(make_project({})).endswith(" +YJIT")


def test_steppe_ruby_yjit_0_turns_it_off(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPPE_RUBY_YJIT", "0")
    assert not ready_runtime(make_project({})).endswith("+YJIT")

"""`steppe test [PATHS…]` (orchestrator/cli/test_command.py, docs/reference.md §13): finds
a project's tests, runs each language's with its runner against the project, prints one
summary and exits non-zero when any fails. The JavaScript tester and the Ruby helper
meet the same project here (tests/fixtures/testing/harness)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.core.errors import UsageError
from orchestrator.testing.counts import (
    jest_counts,
    minitest_counts,
    node_counts,
    pytest_counts,
    vitest_counts,
)
from orchestrator.testing.discovery import find_tests
from orchestrator.testing.execute import run_suite
from orchestrator.testing.suites import Suite
from tests.testing.support import copy_fixture, steppe_test

PYTHON_TEST = """
def test_hello(steppe):
    assert steppe.post("/hello", {"name": "py"}).status == 200
"""

SPEC = """
import { createMotiaTester } from 'steppe/test'

describe('hello', () => {
  let server: ReturnType<typeof createMotiaTester>
  beforeEach(async () => (server = createMotiaTester()))
  afterEach(async () => server.close())

  it('counts', async () => {
    const counted = await server.watch('hello.counted')
    const response = await server.post('/hello', { body: { name: 'js' } })
    await server.waitEvents()
    const traceId = response.body.traceId
    expect(counted.getCapturedEvents()).toEqual([
      { traceId, topic: 'hello.counted', flows: ['greetings'], data: { total: 1 } },
    ])
  })

  it('runs one step alone', async () => {
    const run = await server.run('Count', { data: { name: 'x' } })
    expect(run.emits).toEqual([{ topic: 'hello.counted', data: { total: 1 } }])
    const boom = server.run('Count', { data: { name: 'boom' } })
    await expect(boom).rejects.toThrow("cannot count 'boom'")
  })
})
"""

RUBY_TEST = """
require 'steppe/testing'

class HelloTest < Minitest::Test
  include Steppe::Testing

  def test_counts
    counted = steppe.watch('hello.counted')
    steppe.post('/hello', body: { name: 'rb' })
    steppe.wait_idle
    assert_equal [{ 'total' => 1 }], counted.events.map { |e| e['data'] }
    assert_equal({ 'name' => 'rb' }, steppe.state.get('hellos', 'rb'))
  end

  def test_starts_empty
    assert_equal [], steppe.state.groups
  end
end
"""

FAILING_RUBY_TEST = """
require 'steppe/testing'

class BoomTest < Minitest::Test
  include Steppe::Testing

  def test_boom_is_counted
    steppe.post('/hello', body: { name: 'boom' })
    steppe.wait_idle
    assert_equal 1, steppe.state.get('counts', 'total')
  end
end
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_fixture("harness", tmp_path / "project")
    files = {
        "tests/test_hello.py": PYTHON_TEST,
        "tests/hello.spec.ts": SPEC,
        "tests/hello_test.rb": RUBY_TEST,
        "tests/boom_test.rb": FAILING_RUBY_TEST,
        # Never run: not under the project's own folders.
        "node_modules/pkg/x.spec.ts": "throw new Error('node_modules is searched')",
        ".steppe/old_test.rb": "raise 'the data folder is searched'",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_every_language_runs_with_one_summary_and_a_failure_fails_the_run(
    project: Path,
) -> None:
    result = steppe_test(project)

    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert "│ python   │ pytest   │ 1     │ 1      │ 0      │" in out
    assert "│ js       │ node     │ 1     │ 2      │ 0      │" in out
    assert "│ ruby     │ minitest │ 2     │ 2      │ 1      │" in out
    assert "node_modules is searched" not in out
    assert "the data folder is searched" not in out
    # The Ruby helper ends a failure's message with the logs of its traces.
    failure = out.split("BoomTest#test_boom_is_counted", 1)[1]
    assert "Steppe: logs of the test's traces" in failure
    assert "ValueError: Count cannot count 'boom'" in failure


def test_paths_narrow_the_run(project: Path) -> None:
    result = steppe_test(project, "tests/hello_test.rb", "tests/hello.spec.ts")

    assert result.returncode == 0, result.stdout
    assert "│ js       │ node     │ 1     │ 2      │ 0      │" in result.stdout
    assert "│ ruby     │ minitest │ 1     │ 2      │ 0      │" in result.stdout
    assert "│ python" not in result.stdout


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "test", "nowhere"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "nowhere does not exist" in result.stderr


def test_a_project_without_tests_fails(tmp_path: Path) -> None:
    result = steppe_test(tmp_path)
    assert result.returncode == 1
    assert "no tests found" in result.stdout


def test_discovery_finds_each_languages_files_and_skips_dependencies(tmp_path: Path) -> None:
    for relative in (
        "a.spec.ts", "b.test.js", "c.spec.tsx", "steps/test_d.py", "e_test.py", "f_test.rb",
        "g.step.ts", "helper.py", "node_modules/h.spec.ts", ".venv/test_i.py",
        ".steppe/j_test.rb", "data/k_test.rb", "python_modules/test_l.py",
    ):  # fmt: skip
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")

    found = find_tests(tmp_path, [], "data")

    names = {
        language: [p.relative_to(tmp_path).as_posix() for p in found.of(language)]
        for language in ("js", "python", "ruby")
    }
    assert names == {
        "js": ["a.spec.ts", "b.test.js"],
        "python": ["e_test.py", "steps/test_d.py"],
        "ruby": ["f_test.rb"],
    }
    # A file named on the command line runs by its extension, whatever its name.
    assert find_tests(tmp_path, [tmp_path / "helper.py"], "data").of("python") == [
        tmp_path / "helper.py"
    ]
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(UsageError, match="not a test file"):
        find_tests(tmp_path, [tmp_path / "notes.txt"], "data")


def test_a_runner_that_is_missing_fails_its_suite_with_the_reason(tmp_path: Path) -> None:
    suite = Suite("ruby", "minitest", [], ["ruby"], tmp_path, missing="ruby is not installed")
    result = run_suite(suite, {})
    assert not result.ok


def test_each_runners_summary_is_read() -> None:
    assert pytest_counts("== 1 failed, 3 passed, 1 error in 2.20s ==") == (3, 2)
    assert pytest_counts("== 4 passed in 0.1s ==") == (4, 0)
    assert jest_counts("Tests:       1 failed, 2 passed, 3 total\n") == (2, 1)
    assert vitest_counts("      Tests  1 failed | 2 passed (3)\n") == (2, 1)
    assert node_counts("\u2139 tests 3\n\u2139 pass 2\n\u2139 fail 1\n") == (2, 1)
    assert minitest_counts("4 runs, 6 assertions, 1 failures, 0 errors, 1 skips") == (2, 1)
    assert pytest_counts("nothing useful") == (None, None)

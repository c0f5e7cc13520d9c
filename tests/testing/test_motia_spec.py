"""A spec written for Motia runs unchanged under `steppe test` (docs/reference.md §13).

`tests/fixtures/testing/parallel_merge/integration-tests/parallelMerge.spec.ts` is a
byte-for-byte copy of Motia 0.17's playground/integration-tests/parallelMerge.spec.ts
(v0.17.14-beta.196): jest syntax, `createMotiaTester` from `@motiadev/test`, `watch`,
`waitEvents`, `toEqual` with `expect.any(String)`. The flow under it is Steppe's own,
across TypeScript, Python and Ruby. The captured event it compares with `toEqual` is
Motia's `CapturedEvent`, `{traceId, topic, flows, data}` (packages/test/src/types.ts).
"""

from __future__ import annotations

from pathlib import Path

from tests.testing.support import copy_fixture, jest_modules, steppe_test, vitest_modules

# The spec is a byte-for-byte copy of Motia 0.17's
# playground/integration-tests/parallelMerge.spec.ts (tag v0.17.14-beta.196).
SPEC = "integration-tests/parallelMerge.spec.ts"


def passes(project: Path, runner: str, *paths: str) -> str:
    """`steppe test` in `project` passes the spec with `runner`; its output."""
    result = steppe_test(project, *paths)
    assert result.returncode == 0, result.stdout
    assert f"│ js       │ {runner:6} │ 1     │ 1      │ 0      │" in result.stdout
    return result.stdout


def test_runs_with_nodes_test_runner_when_the_project_has_no_jest(tmp_path: Path) -> None:
    project = copy_fixture("parallel_merge", tmp_path / "project")
    assert "✔ should run steps concurrently" in passes(project, "node")


def test_runs_with_the_projects_jest_and_ts_jest_config(tmp_path: Path) -> None:
    project = copy_fixture("parallel_merge", tmp_path / "project")
    (project / "node_modules").symlink_to(jest_modules())
    # Motia's playground: preset ts-jest; isolatedModules so that ts-jest transpiles
    # without type-checking `@motiadev/test`, which only `steppe test` provides.
    (project / "jest.config.cjs").write_text(
        "module.exports = { preset: 'ts-jest', testEnvironment: 'node', "
        "roots: ['integration-tests'] }\n"
    )
    (project / "tsconfig.json").write_text(
        '{"compilerOptions": {"target": "ES2020", "module": "commonjs", "esModuleInterop": true,'
        ' "isolatedModules": true, "skipLibCheck": true}}\n'
    )

    assert "PASS integration-tests/parallelMerge.spec.ts" in passes(project, "jest")


def test_runs_with_jest_and_steppes_transform_when_the_project_has_no_config(
    tmp_path: Path,
) -> None:
    project = copy_fixture("parallel_merge", tmp_path / "project")
    (project / "node_modules").symlink_to(jest_modules())

    assert "PASS integration-tests/parallelMerge.spec.ts" in passes(project, "jest", SPEC)


def test_runs_with_the_projects_vitest(tmp_path: Path) -> None:
    project = copy_fixture("parallel_merge", tmp_path / "project")
    (project / "node_modules").symlink_to(vitest_modules())
    (project / "package.json").write_text('{"devDependencies": {"vitest": "^4"}}')

    assert "integration-tests/parallelMerge.spec.ts" in passes(project, "vitest")


def test_a_failing_spec_fails_the_run_and_shows_the_failed_traces(tmp_path: Path) -> None:
    project = copy_fixture("parallel_merge", tmp_path / "project")
    step = project / "steps" / "part_b_step.py"
    broken = step.read_text().replace(
        "async def handler(_input, context):\n",
        "async def handler(_input, context):\n    raise RuntimeError('part B is broken')\n",
    )
    # No retries: the run fails at once instead of after the backoffs.
    step.write_text(broken + 'config["infrastructure"] = {"queue": {"maxRetries": 0}}\n')

    result = steppe_test(project)

    assert result.returncode == 1, result.stdout
    assert "✖ should run steps concurrently" in result.stdout
    assert "steppe: logs of the traces that failed" in result.stdout
    assert "RuntimeError: part B is broken" in result.stdout
    assert 'part_b_step.py", line 13, in handler' in result.stdout  # the step's stack
    assert "│ js       │ node   │ 1     │ 0      │ 1      │" in result.stdout

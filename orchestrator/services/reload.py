"""Hot reload for `steppe dev`: a changed file takes effect without a restart.

Only the runner that owns a file's language reloads it; a helper module reloads
the steps that imported it. A reload that fails keeps the last good version
serving and shows the error. In-flight calls finish on the code they started
with: the runners keep the old module objects alive until their calls return.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import trio
from watchfiles import Change, DefaultFilter, awatch

from orchestrator.core.errors import SteppeError
from orchestrator.core.logs import LogSink
from orchestrator.model.discovery import StepFile, classify, project_config
from orchestrator.runtime.pool import RunnerPool
from orchestrator.services.project import (
    FileProblem,
    LoadOutcome,
    Project,
    build_project,
    load_files,
)

# Files Steppe writes into the project itself, which must not trigger a reload.
GENERATED = frozenset({"types.d.ts", "steppe_types.py", "steppe-workbench.json"})
DEBOUNCE_MS = 50


class ProjectFilter(DefaultFilter):
    """watchfiles' defaults (.git, __pycache__, node_modules, editors' swap files…)
    plus Steppe's own data folder, generated files, and files the server writes: its
    stdout and stderr when they are files (`steppe dev > dev.log` in the project) and
    any `*.log`, so that its own output never wakes the reloader."""

    def __init__(self, data_dir: str) -> None:
        super().__init__(
            ignore_dirs=(*DefaultFilter.ignore_dirs, data_dir, ".venv", ".steppe"),
            ignore_entity_patterns=(*DefaultFilter.ignore_entity_patterns, r"\.log$"),
        )
        self._outputs = _output_files()

    def __call__(self, change: Change, path: str) -> bool:
        if Path(path).name in GENERATED or not super().__call__(change, path):
            return False
        return not self._outputs or _identity(path) not in self._outputs


def _output_files() -> frozenset[tuple[int, int]]:
    """(device, inode) of this process's stdout and stderr where they are regular files."""
    found = set()
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            found.add((info.st_dev, info.st_ino))
    return frozenset(found)


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


class Reloader:
    """Turns file changes into a new Project and hands it to `apply`."""

    def __init__(
        self,
        pool: RunnerPool,
        logs: LogSink,
        current: Callable[[], Project],
        apply: Callable[[Project], Awaitable[None]],
        *,
        step_dirs: Iterable[str],
        load_timeout: float,
    ) -> None:
        self._pool = pool
        self._logs = logs
        self._current = current
        self._apply = apply
        self._step_roots = [str(current().root / d) + "/" for d in step_dirs]
        self._load_timeout = load_timeout
        self.reloads = 0

    async def watch(
        self, data_dir: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        root = self._current().root
        task_status.started()
        async for changes in awatch(
            root, watch_filter=ProjectFilter(data_dir), debounce=DEBOUNCE_MS, step=20
        ):
            await self.apply_changes({Path(p) for _, p in changes})

    def _step_file(self, path: Path) -> StepFile | None:
        config = project_config(path, self._current().root)
        if config is not None:
            return config
        found = classify(path)
        if found is None or not any(str(path).startswith(r) for r in self._step_roots):
            return None
        return found

    async def apply_changes(self, paths: set[Path]) -> None:
        """Reload what `paths` touch and apply the new project."""
        project = self._current()
        files = dict(project.files)
        outcomes = dict(project.outcomes)
        to_load: dict[Path, StepFile] = {}
        for path in paths:
            step_file = self._step_file(path)
            if step_file is not None and path.exists():
                to_load[path] = step_file
            elif step_file is not None or path in files:
                await self._remove(files.pop(path, step_file), outcomes)
            else:
                for dependant in self._dependants(project, path):
                    to_load[dependant.path] = dependant
        if not to_load and files == project.files:
            return
        stale: list[FileProblem] = []
        for step_file in to_load.values():
            await self._pool.ensure_runner(step_file.language)
        loaded = await load_files(to_load.values(), self._pool, self._load_timeout)
        for path, outcome in loaded.items():
            previous = outcomes.get(path)
            if isinstance(outcome, FileProblem) and isinstance(previous, dict):
                # Keep serving the last good version, and say why the new one is not.
                stale.append(
                    FileProblem(path, f"reload failed, the last good version still serves: "
                                f"{outcome.message}", outcome.field, outcome.line)
                )  # fmt: skip
                self._logs.write("error", stale[-1].describe(project.root), source="reload")
                continue
            outcomes[path] = outcome
            files[path] = to_load[path]
        rebuilt = build_project(project.root, files.values(), outcomes)
        rebuilt.problems.extend(stale)
        for problem in rebuilt.errors:
            if problem.path in loaded and problem not in stale:
                self._logs.write("error", problem.describe(project.root), source="reload")
        removed = sorted(set(project.files) - set(files))
        for verb, touched in (("reloaded", sorted(loaded)), ("removed", removed)):
            if touched:
                names = ", ".join(str(p.relative_to(project.root)) for p in touched)
                self._logs.write("info", f"{verb} {names}", source="reload")
        self.reloads += 1
        await self._apply(rebuilt)

    def _dependants(self, project: Project, helper: Path) -> list[StepFile]:
        """The loaded files that imported `helper` (as their runner reported) or name it
        in their config's `includeFiles`."""
        found = []
        for path, outcome in project.outcomes.items():
            if not isinstance(outcome, dict):
                continue
            deps = outcome.get("deps") or ()
            if str(helper) in deps or _included(outcome.get("config"), path, helper):
                found.append(project.files[path])
        return found

    async def _remove(self, step_file: StepFile | None, outcomes: dict[Path, LoadOutcome]) -> None:
        if step_file is None:
            return
        outcomes.pop(step_file.path, None)
        supervisor = self._pool.supervisors.get(step_file.language)
        if supervisor is not None:
            try:
                await supervisor.unload(str(step_file.path))
            except SteppeError as exc:
                self._logs.write("warn", f"unload of {step_file.path} failed: {exc}")


def _included(config: object, step_path: Path, changed: Path) -> bool:
    """True when `changed` matches one of the config's `includeFiles` globs, which Motia
    resolves against the step file's folder (its bundler copies them beside the step)."""
    patterns = config.get("includeFiles") if isinstance(config, dict) else None
    if not isinstance(patterns, list):
        return False
    target = os.path.normpath(changed)
    return any(
        isinstance(pattern, str)
        and fnmatch.fnmatchcase(target, os.path.normpath(step_path.parent / pattern))
        for pattern in patterns
    )

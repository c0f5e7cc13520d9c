"""Loading a project: every step and stream file through its runner, then validation.

A file that fails is reported with its path (and line and field where known) and
left out; the rest of the project still loads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import trio

from orchestrator.core.errors import LoadTimeout, RemoteError, SteppeError
from orchestrator.core.paths import relative_label
from orchestrator.core.types import JSONMap, Language
from orchestrator.model.discovery import StepFile
from orchestrator.model.schedule import validate_expression
from orchestrator.model.step import Step, StreamDef
from orchestrator.model.trigger_validation import check_any_step_config
from orchestrator.model.triggers import display_type, is_v1_config, triggers_of
from orchestrator.model.validation import (
    Problem,
    check_config,
    normalize_config,
    with_field,
)
from orchestrator.runtime.pool import RunnerPool

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Something wrong with one file, said so that a person can find and fix it."""

    path: Path
    message: str
    field: str | None = None
    line: int | None = None
    severity: Severity = "error"

    def describe(self, root: Path | None = None) -> str:
        shown = relative_label(self.path, root)
        where = f"{shown}:{self.line}" if self.line else shown
        return f"{where}: {with_field(self.field, self.message)}"


@dataclass(slots=True)
class Project:
    """The loaded, validated contents of a project directory."""

    root: Path
    steps: dict[str, Step] = field(default_factory=dict)
    streams: dict[str, StreamDef] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)
    # Every discovered file and what loading it gave, kept so that a reload can rebuild
    # the project from the files that changed alone.
    files: dict[Path, StepFile] = field(default_factory=dict)
    outcomes: dict[Path, LoadOutcome] = field(default_factory=dict)
    # The `motia.config.*` that exports `authenticateStream` (Motia 1.0), if any.
    stream_auth: Path | None = None

    @property
    def errors(self) -> list[FileProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[FileProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def subscribers(self, topic: str) -> list[Step]:
        return [s for s in self.steps.values() if topic in s.subscribes]


class ProjectUser(Protocol):
    """A service that holds a view of the loaded project; hot reload hands each one the
    new project through this one method (`wiring.server.Services.apply_project`)."""

    def use_project(self, project: Project) -> None: ...


def languages_of(files: Iterable[StepFile]) -> list[Language]:
    """The languages that have at least one file, in a stable order."""
    present = {f.language for f in files}
    return [language for language in ("node", "python", "ruby") if language in present]


AUTHENTICATE_FUNCTION = "authenticateStream"
"""The connection-level stream hook a project's `motia.config.*` may export (Motia 1.0)."""

LoadOutcome = JSONMap | FileProblem
"""What loading one file gave: the runner's answer, or the problem that stopped it."""


async def load_files(
    files: Iterable[StepFile], pool: RunnerPool, load_timeout: float = 10.0
) -> dict[Path, LoadOutcome]:
    """Load files concurrently on their runners; never raises for a broken file."""
    outcomes: dict[Path, LoadOutcome] = {}
    timed_out: list[StepFile] = []

    async def load_one(step_file: StepFile) -> None:
        try:
            outcomes[step_file.path] = await pool.load(step_file, load_timeout)
        except RemoteError as exc:
            outcomes[step_file.path] = FileProblem(
                step_file.path, _load_failure(exc), line=exc.line
            )
        except LoadTimeout as exc:
            outcomes[step_file.path] = FileProblem(step_file.path, str(exc))
            timed_out.append(step_file)
        except SteppeError as exc:
            outcomes[step_file.path] = FileProblem(step_file.path, str(exc))

    async with trio.open_nursery() as nursery:
        for step_file in files:
            nursery.start_soon(load_one, step_file)
    # A file that blocks a single-threaded runner (Node) makes every load in flight on it
    # time out. One at a time, only the file that really blocks times out again.
    if len(timed_out) > 1:
        for step_file in sorted(timed_out, key=lambda f: str(f.path)):
            await load_one(step_file)
    return outcomes


def build_project(
    root: Path,
    files: Iterable[StepFile],
    outcomes: Mapping[Path, LoadOutcome],
    env: Mapping[str, str] | None = None,
) -> Project:
    """Validate load outcomes into a project, in a stable (path) order."""
    project = Project(root, files={f.path: f for f in files}, outcomes=dict(outcomes))
    for step_file in sorted(project.files.values(), key=lambda f: str(f.path)):
        outcome = outcomes[step_file.path]
        if isinstance(outcome, FileProblem):
            project.problems.append(outcome)
        elif step_file.kind == "stream":
            _add_stream(project, step_file, outcome)
        elif step_file.kind == "config":
            if AUTHENTICATE_FUNCTION in (outcome.get("handlers") or ()):
                project.stream_auth = step_file.path
        else:
            _add_step(project, step_file, outcome, os.environ if env is None else env)
    _check_routes(project)
    return project


async def load_project(
    root: Path,
    files: list[StepFile],
    pool: RunnerPool,
    env: Mapping[str, str] | None = None,
    load_timeout: float = 10.0,
) -> Project:
    """Load every file, then validate them."""
    return build_project(root, files, await load_files(files, pool, load_timeout), env)


def _load_failure(exc: RemoteError) -> str:
    message = exc.remote_message.strip() or "(no message)"
    return f"failed to load ({exc.name}): {message}"


def _add_step(
    project: Project, step_file: StepFile, result: JSONMap, env: Mapping[str, str]
) -> None:
    path = step_file.path
    config = _checked_config(project, path, result, check_any_step_config)
    if config is None:
        return
    handlers = frozenset(str(h) for h in result.get("handlers") or ())
    name = str(config["name"])
    # A 1.0 step's type is derived from its triggers, for display (docs/reference.md §2).
    v1 = is_v1_config(config)
    kind = display_type(triggers_of(config)) if v1 else config["type"]
    # A 1.0 step with only state or stream triggers is shown as noop, yet runs a handler.
    needs_handler = bool(triggers_of(config)) if v1 else kind != "noop"
    if needs_handler and "handler" not in handlers:
        project.problems.append(FileProblem(path, f"step {name} exports no handler", "handler"))
        return
    if config.get("type") == "cron":
        invalid = validate_expression(str(config["cron"]))
        if invalid:
            project.problems.append(FileProblem(path, invalid, "cron"))
            return
    missing_env = [v for v in config.get("requiredEnv") or () if not env.get(v)]
    if missing_env:
        names = ", ".join(missing_env)
        project.problems.append(
            FileProblem(path, f"step {name} needs environment variables: {names}", "requiredEnv")
        )
        return
    if name in project.steps:
        other = relative_label(project.steps[name].path, project.root)
        project.problems.append(
            FileProblem(path, f"duplicate step name '{name}' (already defined in {other})", "name")
        )
        return
    project.steps[name] = Step(
        name=name,
        type=kind,
        path=path,
        language=step_file.language,
        config=normalize_config(config),
        handlers=handlers,
        deps=tuple(str(d) for d in result.get("deps") or ()),
    )


def _add_stream(project: Project, step_file: StepFile, result: JSONMap) -> None:
    path = step_file.path
    config = _checked_config(
        project, path, result, lambda config: check_config(config, "stream-config.schema.json")
    )
    if config is None:
        return
    config = normalize_config(config)
    name = str(config["name"])
    schema = config.get("schema")
    stream = StreamDef(
        name=name,
        path=path,
        language=step_file.language,
        schema=schema if isinstance(schema, dict) else None,
        base_config=dict(config.get("baseConfig") or {}),
        handlers=frozenset(str(h) for h in result.get("handlers") or ()),
    )
    first = project.streams.get(name)
    if first is None:
        project.streams[name] = stream
        return
    # The same stream declared in several files (one per language, as projects that use
    # it from TS, Python and Ruby steps do) is one stream when the declarations agree.
    differing = _stream_difference(first, stream)
    if differing is not None:
        other = relative_label(first.path, project.root)
        project.problems.append(
            FileProblem(
                path,
                f"stream '{name}' is also defined in {other}, with a different {differing}",
                differing,
            )
        )


def _stream_difference(first: StreamDef, second: StreamDef) -> str | None:
    """The first config field in which two declarations of one stream differ, or None.
    Annotations (`$schema`, `title`, `description`) do not count: zod, pydantic and
    hand-written schemas word them differently for the same items."""
    if _without_annotations(first.schema) != _without_annotations(second.schema):
        return "schema"
    for key in sorted(set(first.base_config) | set(second.base_config)):
        if first.base_config.get(key) != second.base_config.get(key):
            return f"baseConfig.{key}"
    if first.handlers != second.handlers:  # canAccess, onJoin, onLeave: defined in one only
        return min(first.handlers ^ second.handlers)
    return None


_ANNOTATIONS = frozenset({"$schema", "title", "description"})
# Keywords whose value maps names to schemas: there, `title` is a property, not a note.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions"})


def _without_annotations(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_annotations(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _without_annotations(v) for name, v in value.items()}
        elif key not in _ANNOTATIONS:
            out[key] = _without_annotations(value)
    return out


def _checked_config(
    project: Project,
    path: Path,
    result: JSONMap,
    check: Callable[[Any], tuple[list[Problem], list[Problem]]],
) -> JSONMap | None:
    """The file's config if `check` finds no error; otherwise None, with its problems
    recorded."""
    config = result.get("config")
    errors, warnings = check(config)
    project.problems.extend(FileProblem(path, e.message, e.field) for e in errors)
    project.problems.extend(
        FileProblem(path, w.message, w.field, severity="warning") for w in warnings
    )
    return config if not errors and isinstance(config, dict) else None


def _check_routes(project: Project) -> None:
    """Two http triggers may not answer the same method and path."""
    seen: dict[tuple[str, str], Step] = {}
    for step in list(project.steps.values()):
        keys = {(t.method, _route_shape(t.path)): t for t in step.http_triggers}
        clash = next((key for key in keys if key in seen), None)
        if clash is None:
            seen.update(dict.fromkeys(keys, step))
            continue
        trigger = keys[clash]
        field = f"triggers[{trigger.index}].path" if step.is_v1 else "path"
        message = f"{trigger.method} {trigger.path} is already served by {seen[clash].name}"
        project.problems.append(FileProblem(step.path, message, field))
        del project.steps[step.name]


def _route_shape(path: str) -> str:
    """`/pets/:id` and `/pets/:petId` are the same route."""
    return "/".join(":" if part.startswith(":") else part for part in path.strip("/").split("/"))

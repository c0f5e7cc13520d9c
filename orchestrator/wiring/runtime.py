"""Wiring: discover a project, start its runners, load its files, serve context calls.

`open_runtime` is the one place that nests these lifetimes: the runner pool lives
inside it, and leaving it stops the runners in order.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import trio

from orchestrator.core.console import err_console
from orchestrator.core.errors import CallbackError
from orchestrator.core.logs import LogSink
from orchestrator.core.paths import relative_label
from orchestrator.core.types import JSON, JSONMap, Language
from orchestrator.model.discovery import discover
from orchestrator.model.dotenv import load_dotenv
from orchestrator.model.settings import Settings
from orchestrator.runtime.host import Invocation, LogRecord
from orchestrator.runtime.languages import prepare_runners
from orchestrator.runtime.pool import RunnerPool
from orchestrator.services.context import ContextRouter
from orchestrator.services.project import Project, languages_of, load_project
from orchestrator.stores.sqlite_worker import StorageError

log = logging.getLogger("steppe")


class Host:
    """Serves runners: context calls go to the router, logs and output to the log sink.

    The router is attached once the project has loaded, because the checks it makes
    (declared topics, subscriber schemas) need the loaded steps.
    """

    def __init__(self, root: Path, logs: LogSink) -> None:
        self.root = root
        self.logs = logs
        self.router: ContextRouter | None = None

    async def handle_call(self, invocation: Invocation, method: str, params: JSONMap) -> JSON:
        if self.router is None:
            raise CallbackError("NotReady", f"{method} was called while the project was loading")
        try:
            return await self.router.handle_call(invocation, method, params)
        except StorageError as exc:
            if isinstance(exc, CallbackError):  # already named for the handler (Redis lost)
                raise
            # Named for the handler to tell apart (`StorageFull` when the disk is full);
            # uncaught, it answers an API request with 503 (http/api.py).
            raise CallbackError(type(exc).__name__, str(exc)) from exc

    def handle_log(self, invocation: Invocation | None, record: LogRecord) -> None:
        self.logs.write(
            record.level,
            record.message,
            step=invocation.owner if invocation else self._file_label(record.path),
            trace_id=invocation.trace_id if invocation else None,
            fields=record.fields,
            source=record.source,
        )

    def handle_stderr(self, language: Language, line: str) -> None:
        self.logs.write("warn", line, step=f"{language} runner", source="stderr")

    def _file_label(self, path: str | None) -> str | None:
        return None if path is None else relative_label(path, self.root)


@dataclass
class Runtime:
    """A loaded project with its runners up."""

    project: Project
    pool: RunnerPool
    host: Host
    settings: Settings
    stop_by: float | None = None
    """When a shutdown has begun, the trio time by which everything must have stopped
    (the grace is shared, not given again to each stage)."""


@asynccontextmanager
async def open_runtime(
    root: Path, settings: Settings, host: Host | None = None
) -> AsyncIterator[Runtime]:
    """Start the runners the project needs (only the languages it has files in), load
    every file, and stop the runners on exit. Raises RunnerSetupError when this machine
    lacks what a language needs.

    The project's `.env` is loaded first (never overriding variables already set), so
    the runners inherit its values and `requiredEnv` sees them."""
    root = root.resolve()
    load_dotenv(root)
    host = host or Host(root, LogSink(None, err_console))
    files = discover(root, settings.step_dirs)
    # Before any runner starts: a missing interpreter is one error naming the files that
    # need it (RunnerSetupError), not a failed load per file.
    await prepare_runners(files, root)
    pool = RunnerPool(root, host, languages_of(files))
    runtime: Runtime | None = None
    async with trio.open_nursery() as nursery:
        await nursery.start(pool.serve)
        try:
            # A spinner while files load (first loads of many TS files take a while);
            # rich shows nothing when the console is not a terminal.
            with err_console.status(f"Loading {len(files)} step and stream files…"):
                project = await load_project(root, files, pool, load_timeout=settings.load_timeout)
            runtime = Runtime(project, pool, host, settings)
            yield runtime
        finally:
            grace = settings.shutdown_grace
            if runtime is not None and runtime.stop_by is not None:
                grace = max(0.0, runtime.stop_by - trio.current_time())
            with trio.CancelScope(shield=True):
                await pool.stop(grace)
            nursery.cancel_scope.cancel()

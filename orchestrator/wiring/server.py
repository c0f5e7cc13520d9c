"""`steppe dev` and `steppe start`: the whole orchestrator in one root nursery.

Lifetimes nest: runners (open_runtime) outlive the state store, which outlives
the bus and cron, which outlive the HTTP server. Stopping runs the other way:
stop accepting requests, let in-flight work finish within the grace period, then
stop runners (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import trio
from hypercorn.config import Config as HypercornConfig
from hypercorn.trio import serve as hypercorn_serve

from orchestrator.core.console import err_console
from orchestrator.core.deployment import instance_name, share
from orchestrator.core.json_lines import stdout_console
from orchestrator.core.logs import LogSink
from orchestrator.core.telemetry import exporting
from orchestrator.core.tracing import Tracer
from orchestrator.http.app import create_app
from orchestrator.http.env import HttpEnv, Mode
from orchestrator.http.metrics import families
from orchestrator.http.router import Router
from orchestrator.model.settings import Settings
from orchestrator.services.bus import EventBus
from orchestrator.services.change_triggers import ChangeTriggers
from orchestrator.services.context import ContextRouter, EmitChecker
from orchestrator.services.cron import CronScheduler
from orchestrator.services.invoker import StepInvoker
from orchestrator.services.project import Project, ProjectUser
from orchestrator.services.reload import Reloader
from orchestrator.services.streams.service import StreamsService
from orchestrator.services.streams.setup import open_streams
from orchestrator.stores.queue.base import DeliveryStore
from orchestrator.stores.records import RedisRecords
from orchestrator.stores.setup import open_stores, shared_records, tick_lock
from orchestrator.stores.state.base import StateStore
from orchestrator.typegen.write import write_types
from orchestrator.wiring.runtime import Host, Runtime, open_runtime
from orchestrator.workbench.live import LiveHub, trace_summaries

ADMIN_TOKEN_VARIABLE = "STEPPE_ADMIN_TOKEN"


@dataclass
class Services:
    """Everything a running orchestrator holds, for the CLI and for tests."""

    runtime: Runtime
    env: HttpEnv
    bus: EventBus
    cron: CronScheduler
    url: str
    reloader: Reloader | None = None
    json_console: bool = False

    async def apply_project(self, project: Project) -> None:
        """Serve `project` from now on (hot reload). Each service swaps its whole view
        at once, so a request or delivery sees either the old project or the new."""
        self.runtime.project = project
        # Every service that holds a view of the project takes the new one the same way.
        users: list[ProjectUser] = [self.env.checker, self.bus, self.cron, self.env]
        if self.env.changes is not None:
            users.append(self.env.changes)
        if self.env.streams is not None:
            users.append(self.env.streams)
        for user in users:
            user.use_project(project)
        if self.env.mode == "dev":
            try:
                write_types(project)
            except OSError as exc:
                self.env.logs.write("warn", f"types.d.ts could not be written: {exc}")


@asynccontextmanager
async def open_services(
    root: Path,
    settings: Settings,
    mode: Mode,
    *,
    json_console: bool = False,
    console_level: str = "info",
    watch: bool = False,
) -> AsyncIterator[Services]:
    """Start everything and serve HTTP on settings.host:settings.port until the caller
    leaves the block; then stop in order."""
    root = root.resolve()
    logs = LogSink(
        root / settings.data_dir / "logs" / "steppe.jsonl",
        # --json: JSON lines on stdout, and nothing else there (core/json_lines.py).
        stdout_console() if json_console else err_console,
        console_level=console_level,
        json_console=json_console,
    )
    try:
        async with (
            open_runtime(root, settings, Host(root, logs)) as runtime,
            open_stores(settings, root) as (state, queue),
            open_streams(settings, root, runtime.pool, runtime.project, logs) as streams,
        ):
            env, cron = _wire(runtime, mode, logs, state, queue, streams)
            records = shared_records(queue, instance_name())
            following: AbstractAsyncContextManager[None] = nullcontext()
            if records is not None:
                share(records, env.tracer, logs)
                env.shared = records
                # Other instances' entries for the live feed, while a page watches it.
                live = env.live
                following = records.following(
                    settings.redis_url, live.broadcast, lambda: bool(live.clients)
                )
            async with (
                exporting(
                    env.tracer, logs, families(env), os.environ
                ),  # OpenTelemetry, when configured
                following,
                _running(runtime, env, cron, streams, watch, records) as services,
            ):
                services.json_console = json_console
                yield services
    finally:
        logs.close()


def _wire(
    runtime: Runtime,
    mode: Mode,
    logs: LogSink,
    state: StateStore,
    queue: DeliveryStore,
    streams: StreamsService,
) -> tuple[HttpEnv, CronScheduler]:
    """The services over the loaded project and the stores, and the runners' context
    router; nothing runs yet. Called once the project's `.env` is loaded (it may set
    the admin token)."""
    project, settings = runtime.project, runtime.settings
    tracer = Tracer(logs, delivery_level="info" if mode == "dev" else "debug")
    invoker = StepInvoker(runtime.pool, tracer, settings.handler_timeout)
    bus = EventBus(
        project.steps,
        invoker,
        logs,
        queue,
        idempotency_window=settings.idempotency_window,
        max_trace_deliveries=settings.max_trace_deliveries,
    )
    checker = EmitChecker(
        project.steps,
        warn=lambda step, topic: logs.write(
            "warn",
            f"{step.name} emitted '{topic}', which is not in its emits; delivered anyway "
            "(strict_emits = true makes this an error)",
            step=step.name,
        ),
        strict=settings.strict_emits,
    )
    changes = ChangeTriggers(project.steps, bus, invoker.start_trace)
    streams.changes = changes
    runtime.host.router = ContextRouter(
        state, bus, checker, streams, changes=changes, max_json_depth=settings.max_json_depth
    )
    env = HttpEnv(
        project=project,
        router=Router(project.steps.values()),
        invoker=invoker,
        bus=bus,
        checker=checker,
        state=state,
        tracer=tracer,
        logs=logs,
        settings=settings,
        live=LiveHub(logs, trace_summaries(tracer)),
        mode=mode,
        admin_token=os.environ.get(ADMIN_TOKEN_VARIABLE) or None,
        access_log=mode == "dev",
        streams=streams,
        changes=changes,
    )
    return env, CronScheduler(project.steps.values(), invoker, logs, lock=tick_lock(queue))


@asynccontextmanager
async def _running(
    runtime: Runtime,
    env: HttpEnv,
    cron: CronScheduler,
    streams: StreamsService,
    watch: bool,
    records: RedisRecords | None,
) -> AsyncIterator[Services]:
    """Run the bus, cron, streams, the HTTP server (and the reloader when `watch`, the
    shared records' flusher when `records`) until the caller leaves the block; then
    stop them in order."""
    settings, bus, logs = runtime.settings, env.bus, env.logs
    async with trio.open_nursery() as nursery:
        bus_stopped = trio.Event()

        async def serve_bus(task_status: trio.TaskStatus[None]) -> None:
            try:
                await bus.serve(settings.shutdown_grace, task_status=task_status)
            finally:
                bus_stopped.set()

        await nursery.start(serve_bus)
        nursery.start_soon(logs.flush_every)
        if records is not None:
            await nursery.start(records.serve)
        await nursery.start(cron.serve)
        await nursery.start(streams.serve)
        stop_http, http_stopped = trio.Event(), trio.Event()
        binds: list[str] = await nursery.start(_serve_http, env, settings, stop_http, http_stopped)
        services = Services(runtime, env, bus, cron, binds[0])
        if watch:
            services.reloader = Reloader(
                runtime.pool,
                logs,
                lambda: services.runtime.project,
                services.apply_project,
                step_dirs=settings.step_dirs,
                load_timeout=settings.load_timeout,
            )
            await nursery.start(services.reloader.watch, settings.data_dir)
        try:
            yield services
        finally:
            # Order: stop accepting requests (Hypercorn lets in-flight ones finish),
            # stop starting deliveries and let running ones finish within the grace
            # period; what is still queued stays in the store for the next start.
            # Runners stop last (open_runtime), so in-flight handlers can complete.
            # Stream and live-log sockets are closed first: they never finish on their
            # own and would hold Hypercorn's graceful shutdown for its whole timeout.
            # API requests still running when the grace ends are answered 503 rather
            # than dropped with their connections; runners get what is left of it.
            env.shutting_down = True
            runtime.stop_by = trio.current_time() + settings.shutdown_grace
            streams.hub.close_all()
            env.live.close_all()
            stop_http.set()
            bus.stop()
            with trio.move_on_at(runtime.stop_by):
                await bus_stopped.wait()
                await http_stopped.wait()
            env.in_flight.end_all()
            with trio.move_on_after(1):
                await bus_stopped.wait()
                await http_stopped.wait()
            nursery.cancel_scope.cancel()


async def _serve_http(
    env: HttpEnv,
    settings: Settings,
    stop: trio.Event,
    stopped: trio.Event,
    *,
    task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve until `stop` is set (then set `stopped`); reports the bound URLs once
    listening."""
    config = HypercornConfig()
    config.bind = [f"{settings.host}:{settings.port}"]
    # Hypercorn sets SO_REUSEPORT on the sockets it binds when it counts several workers.
    config.workers = 2 if settings.reuse_port else 1
    config.accesslog = None
    # Its "Running on …" line repeats what `announce` says (and lands in benchmarks'
    # and tests' output); its warnings and errors still show, through the root
    # logger's handler (rich, or JSON lines with --json) rather than its own.
    error_log = logging.getLogger("hypercorn.error")
    error_log.setLevel(logging.WARNING)
    config.errorlog = error_log
    # A second past the grace: requests it cuts short are answered 503 (in_flight.py)
    # before Hypercorn closes what is left.
    config.graceful_timeout = settings.shutdown_grace + 1
    try:
        await hypercorn_serve(
            create_app(env), config, shutdown_trigger=stop.wait, task_status=task_status
        )
    finally:
        stopped.set()

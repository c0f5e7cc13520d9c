"""Keeping one language's runner alive: start, restart with backoff, stop in order.

A runner is restarted when its process exits (watched directly, not through its pipes)
and when it stops answering heartbeats (see heartbeat.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from orchestrator.core.errors import (
    LoadTimeout,
    ProtocolError,
    RemoteError,
    RunnerCrashed,
    RunnerSetupError,
    RunnerUnavailable,
)
from orchestrator.core.types import JSON, FileKind, LineHandler, NoteHandler, RequestHandler
from orchestrator.rpc.session import RpcSession
from orchestrator.runtime.heartbeat import until_wedged
from orchestrator.runtime.languages import RunnerSpec, prepare_runner, protocol_refusal
from orchestrator.runtime.process import RunnerProcess

log = logging.getLogger("steppe.runtime")

READY_TIMEOUT = 15.0
# The first restart is immediate: a runner killed under load should be back at once.
# A runner that keeps dying backs off so it cannot spin a core.
RESTART_DELAYS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
# A runner that stayed up this long is healthy again: its next crash restarts at once.
HEALTHY_AFTER = 10.0
TERM_GRACE = 2.0
# A step file that takes longer than this to import is treated as blocked.
LOAD_TIMEOUT = 10.0
# How long the tasks of a runner that exited may go on reading what it wrote last.
DRAIN_AFTER_EXIT = 0.5


class Supervisor:
    """Runs one runner process at a time for a language and restarts it when it dies.

    Files loaded through `load` are loaded again into every new process, so a
    restart is invisible to callers except for the calls that were in flight,
    which fail with RunnerCrashed (retryable). `running` names the steps running on
    the runner, for the report of a runner that stopped answering.
    """

    def __init__(
        self,
        spec: RunnerSpec,
        project_dir: Path,
        *,
        on_request: RequestHandler,
        on_note: NoteHandler,
        on_stderr: LineHandler,
        running: Callable[[], list[str]] = list,
    ) -> None:
        self.spec = spec
        self.language = spec.language
        self.project_dir = project_dir
        self._on_request = on_request
        self._on_note = on_note
        self._on_stderr = on_stderr
        self._running = running
        self._loads_running = 0
        self._loaded: dict[str, FileKind] = {}
        self._session: RpcSession | None = None
        self._process: RunnerProcess | None = None
        self._changed = trio.Event()
        self._ready = trio.Event()
        self._stopping = False
        self._fatal: str | None = None
        # Why the last runner was refused (another Steppe version's): never restarted.
        self._refusal: str | None = None
        self.restarts = 0
        # True once `serve` stopped trying: this machine cannot run the language, or the
        # runner was refused. Calls fail with the reason (RunnerUnavailable).
        self.given_up = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def ready(self) -> bool:
        """True while a runner process is up, loaded and taking calls."""
        return self._session is not None and not self._session.closed

    @property
    def in_flight(self) -> int:
        return self._session.in_flight if self._session else 0

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the runner until `stop`. Reports started once the first process is ready or
        has failed to start; in the latter case calls raise RunnerUnavailable until a
        restart succeeds. A machine that cannot run the language (RunnerSetupError) or a
        runner from another Steppe version is not tried again."""
        try:
            await prepare_runner(self.language)
        except RunnerSetupError as exc:
            self._fail(str(exc))
            self.given_up = True
            task_status.started()
            return
        attempt = 0
        first: trio.TaskStatus[None] | None = task_status
        while not self._stopping:
            began = trio.current_time()
            try:
                became_available = await self._run_once(first)
            except OSError as exc:
                became_available = False
                self._fail(f"could not start the {self.language} runner: {exc}")
            if became_available:
                first = None  # _run_once reported it
            if first is not None:
                first.started()
                first = None
            if self._stopping:
                break
            if self._refusal is not None:
                self.given_up = True
                break
            if trio.current_time() - began > HEALTHY_AFTER:
                attempt = 0
            delay = RESTART_DELAYS[min(attempt, len(RESTART_DELAYS) - 1)]
            attempt += 1
            self.restarts += 1
            log.warning("%s runner stopped; restarting in %.2fs", self.language, delay)
            await trio.sleep(delay)
        self._changed_now()

    async def _run_once(self, task_status: trio.TaskStatus[None] | None) -> bool:
        """One process from start to exit; True if it became available."""
        process = await RunnerProcess.start(self.spec, self.project_dir)
        self._process = process
        self._ready = trio.Event()
        session = RpcSession(
            process.stdin,
            process.stdout,
            on_request=self._on_request,
            on_note=self._handle_note,
            name=f"{self.language} runner (pid {process.pid})",
        )
        heartbeat = trio.CancelScope()  # ends with the session
        available = False
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(process.pump_stderr, self._on_stderr)
                nursery.start_soon(self._watch_exit, process, nursery.cancel_scope)
                nursery.start_soon(
                    self._serve_session, session, process, nursery.cancel_scope, heartbeat
                )
                available = await self._become_available(session)
                if available:
                    nursery.start_soon(self._keep_alive, session, process, heartbeat)
                    if task_status is not None:
                        task_status.started()
        finally:
            self._session = None
            process.kill()
            with trio.CancelScope(shield=True):
                code = await process.wait()
            if not available and self._refusal is None:
                self._fail(
                    f"the {self.language} runner exited before it was ready (code {code})"
                    + _tail(process)
                )
            elif not self._stopping:
                log.warning(
                    "%s runner (pid %s) exited with code %s%s",
                    self.language, process.pid, code, _tail(process),
                )  # fmt: skip
            self._changed_now()
        return available

    async def _serve_session(
        self,
        session: RpcSession,
        process: RunnerProcess,
        scope: trio.CancelScope,
        heartbeat: trio.CancelScope,
    ) -> None:
        try:
            await session.serve()
        except ProtocolError as exc:
            log.error("%s runner sent a malformed frame; restarting it: %s", self.language, exc)
        finally:
            heartbeat.cancel()
            # The protocol stream ended (exit or garbage): the process is of no more use.
            process.kill()
            with trio.CancelScope(shield=True):
                await process.wait()
            _drain_then_end(scope)

    async def _watch_exit(self, process: RunnerProcess, scope: trio.CancelScope) -> None:
        """End this run when the process exits, even if its pipes stay open (held by a
        process one of its steps started in a session of its own)."""
        await process.wait()  # kills what is left of its process group
        _drain_then_end(scope)

    async def _keep_alive(
        self, session: RpcSession, process: RunnerProcess, heartbeat: trio.CancelScope
    ) -> None:
        """Kill the runner once it stops answering heartbeats; the loop in `serve`
        restarts it. Its in-flight calls fail as RunnerCrashed (retryable) at once."""
        with heartbeat:
            try:
                silent = await until_wedged(session, excused=lambda: self._loads_running > 0)
            except RunnerCrashed:
                # A ping in flight when the stream ended (the runner died): the run is
                # ending through _serve_session, which restarts it; nothing to raise.
                return
            running = ", ".join(sorted(set(self._running()))) or "none"
            reason = (
                f"answered no heartbeat for {silent:.0f}s: something blocks its event loop "
                f"(steps running: {running}); the runner was restarted"
            )
            log.error("the %s runner (pid %s) %s", self.language, process.pid, reason)
            session.close(reason)
            process.kill()

    async def _become_available(self, session: RpcSession) -> bool:
        with trio.move_on_after(READY_TIMEOUT) as timeout:
            await self._ready.wait()
        if timeout.cancelled_caught:
            self._fail(f"the {self.language} runner sent no 'ready' within {READY_TIMEOUT}s")
            return False
        if self._refusal is not None:
            self._fail(self._refusal)
            self.kill()  # ends this run: its tasks end when the process does
            return False
        for path, kind in list(self._loaded.items()):
            try:
                await session.call("load", {"path": path, "kind": kind})
            except RemoteError as exc:
                log.error("%s no longer loads after the runner restarted: %s", path, exc)
        self._fatal = None
        self._session = session
        self._changed_now()
        return True

    def _fail(self, reason: str) -> None:
        self._fatal = reason
        log.error("%s", reason)
        self._changed_now()

    def _changed_now(self) -> None:
        """Wake every caller waiting for the runner, so it re-checks what changed."""
        changed, self._changed = self._changed, trio.Event()
        changed.set()

    def _handle_note(self, method: str, params: Any) -> None:
        if method == "ready":
            self._refusal = protocol_refusal(self.spec, params)
            self._ready.set()
        else:
            self._on_note(method, params)

    async def session(self, timeout: float = READY_TIMEOUT) -> RpcSession:
        """The live session, waiting up to `timeout` for a (re)starting runner."""
        session = self._session
        if session is not None and not session.closed:
            return session  # the hot path: no cancel scope to build
        with trio.move_on_after(timeout):
            while True:
                session = self._session
                if session is not None and not session.closed:
                    return session
                if self._stopping:
                    raise RunnerUnavailable(f"the {self.language} runner is shutting down")
                if self._fatal is not None:
                    raise RunnerUnavailable(self._fatal)
                await self._changed.wait()
        raise RunnerUnavailable(f"the {self.language} runner did not become ready in {timeout}s")

    async def call(self, method: str, params: Any) -> JSON:
        session = await self.session()
        return await session.call(method, params)

    async def load(self, path: str, kind: FileKind, timeout: float = LOAD_TIMEOUT) -> JSON:
        """Load (or reload) a file; it is loaded again after every restart.

        A file that does not finish loading within `timeout` (blocked at import) has
        stuck its runner: the runner is restarted and LoadTimeout raised.
        """
        session = await self.session()
        self._loads_running += 1
        try:
            with trio.move_on_after(timeout):
                try:
                    result = await session.call("load", {"path": path, "kind": kind})
                except RemoteError:
                    self._loaded.pop(path, None)
                    raise
                self._loaded[path] = kind
                return result
        finally:
            self._loads_running -= 1
        self._loaded.pop(path, None)
        self.kill()
        raise LoadTimeout(
            f"did not finish loading within {timeout:g}s (blocked at import?); "
            f"the {self.language} runner was restarted"
        )

    async def unload(self, path: str) -> None:
        self._loaded.pop(path, None)
        await self.call("unload", {"path": path})

    def kill(self) -> None:
        """SIGKILL the current process and its group; the supervisor restarts it."""
        if self._process is not None:
            self._process.kill()

    async def stop(self, grace: float = TERM_GRACE) -> None:
        """Stop in order: refuse new work, ask the runner to finish in-flight calls and
        exit, then SIGTERM, then SIGKILL. The order lets handlers complete while
        never leaving a stuck runner behind."""
        self._stopping = True
        session, process = self._session, self._process
        if process is None:
            return
        if session is not None and not session.closed:
            with trio.move_on_after(grace):
                try:
                    await session.call("shutdown", {})
                except Exception as exc:  # already dying; the signals below finish it
                    log.debug("%s runner shutdown request failed: %s", self.language, exc)
                await process.wait()
        if not process.reaped:
            process.terminate()
            with trio.move_on_after(TERM_GRACE):
                await process.wait()
        process.kill()
        self._changed_now()


def _drain_then_end(scope: trio.CancelScope) -> None:
    """Give the run's tasks DRAIN_AFTER_EXIT to read what the runner wrote last, and no
    more: a process it started may hold its pipes open."""
    scope.deadline = min(scope.deadline, trio.current_time() + DRAIN_AFTER_EXIT)


def _tail(process: RunnerProcess) -> str:
    tail = "\n".join(process.stderr_tail)
    return f"; its last output:\n{tail}" if tail else ""

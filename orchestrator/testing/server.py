"""A project served for a test run, on a thread of its own.

The orchestrator runs in `trio.run` on a background thread, so that tests stay plain
synchronous code (a pytest test, or `steppe test` driving jest, node and ruby) and
the runners, the slow part to start, live as long as the run. Memory stores, a free
port on 127.0.0.1, `dev` mode (a 500 carries the handler's error), and logs in a
temporary folder: a test run leaves nothing in the project.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import trio

from orchestrator.core.errors import SteppeError
from orchestrator.model.settings import load_settings
from orchestrator.testing.bench import TestBench, open_bench
from orchestrator.wiring.server import open_services

T = TypeVar("T")

START_TIMEOUT = 120.0
"""Seconds the runners and the project's files get to start and load."""


class ProjectBroken(SteppeError):
    """Raised when the project under test has files that do not load."""


class TestServer:
    """Start with `start()`, stop with `stop()`; `call` runs a coroutine function on the
    server's trio loop from any other thread (one running a trio loop of its own too)."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, project_dir: Path, **overrides: Any) -> None:
        self.project_dir = project_dir.resolve()
        self._overrides = overrides
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._nursery: trio.Nursery | None = None
        self._stop: trio.Event | None = None
        self._thread: threading.Thread | None = None
        self._data_dir = Path(tempfile.mkdtemp(prefix="steppe-test-"))
        self.url = ""
        self._bench: TestBench | None = None

    @property
    def bench(self) -> TestBench:
        assert self._bench is not None, "the test server is not running"
        return self._bench

    def start(self) -> None:
        """Serve the project; raises what kept it from starting (ProjectBroken, ConfigError)."""
        self._thread = threading.Thread(target=self._thread_main, name="steppe-test", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise SteppeError(f"the project did not start within {START_TIMEOUT:.0f} s")
        if self._failure is not None:
            self._thread.join()
            raise self._failure

    def stop(self) -> None:
        if self._token is not None and self._stop is not None:
            with contextlib.suppress(trio.RunFinishedError):  # it stopped on its own
                self._token.run_sync_soon(self._stop.set)
        if self._thread is not None:
            self._thread.join()
        shutil.rmtree(self._data_dir, ignore_errors=True)

    def call(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run `await function(*args)` on the server's loop and return its result."""
        future: Future[T] = Future()

        async def run() -> None:
            try:
                future.set_result(await function(*args))
            except trio.Cancelled:
                future.set_exception(SteppeError("the test server stopped"))
                raise
            except BaseException as exc:  # handed to the caller's thread
                future.set_exception(exc)

        def begin() -> None:
            assert self._nursery is not None
            self._nursery.start_soon(run)

        if self._token is None:
            raise SteppeError("the test server is not running")
        self._token.run_sync_soon(begin)
        return future.result()

    def read(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)`, a plain function, run on the server's loop (never at the same
        time as the loop's own work on what it reads)."""

        async def run() -> T:
            return function(*args)

        return self.call(run)

    def _thread_main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # reported by start(), on the caller's thread
            self._failure = _first_error(exc)
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        settings = replace(
            load_settings(self.project_dir),
            **{
                "host": "127.0.0.1",
                "port": 0,
                "state": "memory",
                "queue": "memory",
                "shutdown_grace": 2.0,
                "data_dir": str(self._data_dir),
                **self._overrides,
            },
        )
        async with (
            open_services(self.project_dir, settings, "dev", console_level="error") as services,
            open_bench(services) as bench,
            trio.open_nursery() as nursery,
        ):
            errors = services.runtime.project.errors
            if errors:
                listed = "\n".join(f"  {p.describe(self.project_dir)}" for p in errors)
                raise ProjectBroken(f"the project has files that do not load:\n{listed}")
            self._bench, self.url, self._nursery = bench, services.url, nursery
            self._stop = trio.Event()
            self._token = trio.lowlevel.current_trio_token()
            self._ready.set()
            await self._stop.wait()
            nursery.cancel_scope.cancel()


def _first_error(exc: BaseException) -> BaseException:
    """The error inside the task groups' wrapping, to report it plainly."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc

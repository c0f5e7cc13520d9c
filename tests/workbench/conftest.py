"""Fixtures for the workbench: the real server in a thread (so that synchronous
Playwright can drive a browser against it), and headless Chromium from Debian.

The browser is Debian's `chromium` (`make setup` installs it as root); Playwright
never downloads one. Each module gets one server and one browser with a fresh
profile; each test gets its own page, and fails on any uncaught error in the page.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
import trio

from orchestrator.model.settings import Settings
from orchestrator.wiring.server import Services, open_services
from tests.helpers import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS_VARIABLE = "STEPPE_SCREENSHOTS"
"""Set to a folder (`make screenshots` uses docs/screenshots) to keep the screenshots
the browser tests take; otherwise they go to a temporary folder."""

T = TypeVar("T")


class ServerThread:
    """`open_services` on its own Trio loop in a thread, serving until `stop()`."""

    def __init__(self, root: Path, mode: str = "dev", **overrides: Any) -> None:
        self.root = root
        self.mode = mode
        self.overrides = overrides
        self.services: Services | None = None
        self.url = ""
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="steppe-server", daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(90):
            raise RuntimeError("the server did not start within 90 s")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None and self._stop is not None:
            trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            trio.run(self._main)
        except BaseException as exc:  # reported to the test thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        defaults: dict[str, Any] = {
            "port": 0,
            "state": "memory",
            "queue": "memory",
            "shutdown_grace": 2.0,
        }
        settings = replace(Settings(), **(defaults | self.overrides))
        async with open_services(self.root, settings, self.mode, console_level="error") as services:  # type: ignore[arg-type]
            self.services = services
            self.url = services.url
            self._token = trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            self._ready.set()
            await self._stop.wait()

    def call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run `await fn(*args)` on the server's loop and return its result."""
        assert self._token is not None
        return trio.from_thread.run(fn, *args, trio_token=self._token)


def copy_example_project(target: Path) -> Path:
    """The example project's steps in a folder of its own, so that what the
    workbench writes there (steppe-workbench.json) stays out of the repository."""
    shutil.copytree(REPO_ROOT / "steps", target / "steps")
    return target


@pytest.fixture(scope="module")
def example_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    project = copy_example_project(tmp_path_factory.mktemp("example"))
    with ServerThread(project) as server:
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make setup` installs Debian's chromium as root "
            "(or run: apt-get install -y chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def console(message: Any) -> None:
        # A 4xx the page asked for (a refused request it then shows) is not an error of
        # the page; anything else written with console.error is.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    page.on("console", console)
    try:
        yield page
    finally:
        page.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get(SCREENSHOTS_VARIABLE)
    directory = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory

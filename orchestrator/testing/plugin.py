"""The pytest plugin (entry point `steppe` in the `pytest11` group): the `steppe` fixture.

The first test that asks for `steppe` starts the project (TestServer) and the session
keeps it, runners and all; every test gets the stores emptied first, and a test that
fails gets the logs of its traces in its report. The project is `--steppe-dir`, else
the nearest folder above the test file with a `steps/` or `src/` folder (or a
`steppe.toml`), else pytest's rootdir. A session that never asks for `steppe` starts
nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from orchestrator.testing.client import Steppe
from orchestrator.testing.logs import format_logs
from orchestrator.testing.server import TestServer

_CLIENT = pytest.StashKey[Steppe]()
_MARKERS = ("steps", "src", "steppe.toml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("steppe", "Steppe projects")
    group.addoption(
        "--steppe-dir",
        default=None,
        help="the Steppe project the `steppe` fixture serves (default: the nearest folder "
        "above the test with steps/ or src/)",
    )


class _Servers:
    """One TestServer per project, started when a test first needs it."""

    def __init__(self) -> None:
        self._servers: dict[Path, TestServer] = {}
        self._broken: dict[Path, BaseException] = {}

    def get(self, project: Path) -> TestServer:
        if project in self._broken:
            raise self._broken[project]  # tried once: every later test fails the same way
        server = self._servers.get(project)
        if server is None:
            server = TestServer(project)
            try:
                server.start()
            except BaseException as exc:
                self._broken[project] = exc
                raise
            self._servers[project] = server
        return server

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()


@pytest.fixture(scope="session")
def _steppe_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.stop()


@pytest.fixture
def steppe(request: pytest.FixtureRequest, _steppe_servers: _Servers) -> Steppe:
    """The project under test, served with empty stores (docs/reference.md §13)."""
    client = Steppe(_steppe_servers.get(project_of(request)))
    request.node.stash[_CLIENT] = client
    return client


def project_of(request: pytest.FixtureRequest) -> Path:
    chosen = request.config.getoption("--steppe-dir")
    if chosen:
        return Path(chosen).resolve()
    start = Path(request.path).resolve().parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _MARKERS):
            return folder
    return Path(request.config.rootpath).resolve()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    client = item.stash.get(_CLIENT, None)
    if report.failed and client is not None:
        text = format_logs(client.logs())
        if text:
            report.sections.append(("steppe: logs of the test's traces", text))
    return report

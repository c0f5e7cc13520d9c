"""`steppe test [PATHS…]`: run a project's tests in every language, with one summary
(docs/reference.md §13).

Python tests run first, under pytest, whose plugin serves the project on its own.
Then the run's test server starts (orchestrator/testing/server.py) for the
JavaScript/TypeScript specs and the Ruby tests, which reach it through
STEPPE_TEST_URL; it stops when they are done.
"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from orchestrator.core.console import err_console
from orchestrator.core.errors import SteppeError
from orchestrator.model.settings import Settings
from orchestrator.testing.counts import Counts
from orchestrator.testing.discovery import TestFiles, find_tests
from orchestrator.testing.execute import SuiteResult, run_suite
from orchestrator.testing.journal import Journal
from orchestrator.testing.js import js_suite
from orchestrator.testing.logs import failed_traces
from orchestrator.testing.server import TestServer
from orchestrator.testing.suites import Suite, python_suite, ruby_suite, with_server


def run_tests(project_dir: Path, settings: Settings, paths: list[str]) -> bool:
    """True when every suite passed; raises UsageError for a path that is not there."""
    found = find_tests(project_dir, [Path(p).resolve() for p in paths], settings.data_dir)
    if not found:
        where = ", ".join(paths) or str(project_dir)
        err_console.print(f"[bold red]no tests found[/] under {escape(where)}")
        return False
    results: list[SuiteResult] = []
    server: TestServer | None = None
    broken: str | None = None
    try:
        for suite in _suites(project_dir, found, project_dir / settings.data_dir):
            if suite.needs_server and server is None and broken is None and not suite.missing:
                server, broken = _start(project_dir)
            if suite.needs_server and broken is not None:
                suite.missing = broken
            results.append(_run(suite, server))
    finally:
        if server is not None:
            server.stop()
    err_console.print(_summary(results))
    return all(r.ok for r in results)


def _suites(root: Path, found: TestFiles, data_dir: Path) -> list[Suite]:
    """Python first: its pytest serves the project itself, before the run's server starts."""
    suites = []
    if found.of("python"):
        suites.append(python_suite(root, found.of("python")))
    if found.of("js"):
        suites.append(js_suite(root, found.of("js"), data_dir))
    if found.of("ruby"):
        suites.append(ruby_suite(root, found.of("ruby")))
    return suites


def _start(project_dir: Path) -> tuple[TestServer | None, str | None]:
    server = TestServer(project_dir)
    try:
        server.start()
    except SteppeError as exc:
        err_console.print(f"[bold red]error[/] {escape(str(exc))}")
        return None, "the project could not be served"
    return server, None


def _run(suite: Suite, server: TestServer | None) -> SuiteResult:
    """Run the suite; after a failed run of specs, the logs of every trace that failed."""
    journal = Journal()
    unsubscribe = None
    if server is not None and suite.needs_server:
        unsubscribe = server.read(server.bench.services.env.logs.subscribe, journal.append)
    try:
        result = run_suite(suite, with_server(suite, server.url if server else ""))
    finally:
        if unsubscribe is not None and server is not None:
            server.read(unsubscribe)
    # A Ruby test's own failure message carries its logs; a spec runner cannot say which
    # test failed, so the run's failed traces are shown after it.
    if not result.ok and suite.language == "js":
        text = failed_traces(journal.since(0)[0])
        if text:
            err_console.print("[bold]steppe: logs of the traces that failed[/]")
            err_console.print(escape(text), highlight=False)
    return result


def _summary(results: list[SuiteResult]) -> Table:
    table = Table(title="steppe test", title_justify="left", header_style="bold")
    for column in ("Language", "Runner", "Files", "Passed", "Failed", "Time", "Result"):
        table.add_column(column)
    for result in results:
        suite = result.suite
        table.add_row(
            suite.language,
            suite.runner,
            str(len(suite.files)),
            _count(result.counts, "passed"),
            _count(result.counts, "failed"),
            f"{result.seconds:.1f} s",
            "[green]passed[/]" if result.ok else "[bold red]FAILED[/]",
        )
    return table


def _count(counts: Counts, which: str) -> str:
    value = getattr(counts, which)
    return "?" if value is None else str(value)

"""`steppe dev` and `steppe start` on the command line: announce what is served, then
serve until SIGINT or SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import trio

from orchestrator.cli.report import print_problems, steps_table, topic_graph
from orchestrator.core.console import err_console
from orchestrator.http.env import Mode
from orchestrator.model.settings import Settings
from orchestrator.wiring.server import Services, open_services


def announce(services: Services) -> None:
    project = services.runtime.project
    if services.json_console:
        _announce_as_entries(services)
        return
    err_console.print(steps_table(project))
    err_console.print(topic_graph(project))
    print_problems(err_console, project.problems, project.root)
    url = services.url
    err_console.print(f"[bold green]Steppe is serving[/] {url}")
    err_console.print(f"  OpenAPI   {url}/openapi.json")
    err_console.print(f"  Workbench {url}/__steppe/")
    err_console.print(f"  Admin API {url}/__steppe/api/steps")


def _announce_as_entries(services: Services) -> None:
    """With --json stdout holds log entries only: the announcement is one, and each
    problem another, rather than tables."""
    project, logs = services.runtime.project, services.env.logs
    for problem in project.problems:
        level = "error" if problem.severity == "error" else "warn"
        logs.write(level, problem.describe(project.root), source="steppe")
    url = services.url
    logs.write(
        "info",
        f"Steppe is serving {url}",
        fields={"url": url, "steps": len(project.steps), "mode": services.env.mode},
    )


async def run_until_signalled(
    root: Path, settings: Settings, mode: Mode, *, json_console: bool = False
) -> None:
    """Serve until SIGINT or SIGTERM, then stop in order (exit code 0)."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with open_services(
            root, settings, mode, json_console=json_console, watch=mode == "dev"
        ) as services:
            announce(services)
            async for signum in signals:
                name = signal.Signals(signum).name
                services.env.logs.write("info", f"{name} received; stopping")
                break

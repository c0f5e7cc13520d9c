"""The `steppe` command (docs/reference.md §9)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import replace
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import Any

import trio
from rich.logging import RichHandler
from rich.markup import escape
from rich.syntax import Syntax

from orchestrator import __version__
from orchestrator.cli.completion import SHELLS
from orchestrator.cli.completion import script as completion_script
from orchestrator.cli.doctor import run_doctor
from orchestrator.cli.remote import AdminCallFailed, admin_call, post_emit
from orchestrator.cli.report import (
    print_ignored_fields,
    print_problems,
    print_skipped_files,
    steps_table,
    topic_graph,
)
from orchestrator.cli.run_once import RunReport, run_step
from orchestrator.cli.scaffold import ProjectExists, create_project
from orchestrator.cli.serve import run_until_signalled
from orchestrator.cli.test_command import run_tests
from orchestrator.cli.workers import check_workers, run_workers
from orchestrator.core.console import err_console
from orchestrator.core.errors import (
    ConfigError,
    RemoteError,
    RunnerSetupError,
    SteppeError,
    UsageError,
)
from orchestrator.core.json_lines import JsonLogHandler
from orchestrator.model.discovery import skipped_files
from orchestrator.model.dotenv import load_dotenv
from orchestrator.model.settings import Settings, load_settings, store_kinds
from orchestrator.runtime.languages import PROTOCOL_VERSION
from orchestrator.stores.data_lock import hold_data_dir
from orchestrator.stores.redis_worker import RedisUnavailable
from orchestrator.stores.sqlite_worker import StorageError
from orchestrator.typegen.write import write_types
from orchestrator.wiring.runtime import open_runtime
from orchestrator.wiring.server import ADMIN_TOKEN_VARIABLE


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the project has errors, or the step threw
    USAGE = 2  # bad arguments or settings


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    # With --json every logger (Hypercorn's, the file watcher's) writes JSON lines too.
    handler: logging.Handler = (
        JsonLogHandler()
        if getattr(args, "json", False)
        else RichHandler(console=err_console, show_path=False, markup=False)
    )
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        handlers=[handler],
    )
    project_dir = Path(args.dir).resolve()
    if not project_dir.is_dir():
        err_console.print(f"[bold red]error[/] project directory {project_dir} does not exist")
        sys.exit(ExitCode.USAGE)
    try:
        if getattr(args, "dotenv", True):
            # Before anything reads the environment (STEPPE_ADMIN_TOKEN for emit, dlq).
            load_dotenv(project_dir)
        settings = load_settings(project_dir)
        code = args.command(args, project_dir, settings)
    except (ConfigError, UsageError) as exc:
        err_console.print(f"[bold red]error[/] {escape(str(exc))}")
        code = ExitCode.USAGE
    except RunnerSetupError as exc:
        err_console.print(f"[bold red]error[/] {escape(str(exc))}")
        code = ExitCode.FAILED
    except KeyboardInterrupt:
        code = ExitCode.FAILED
    sys.exit(int(code))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steppe", description="Run a polyglot backend made of step files."
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"steppe {__version__} (runner protocol {PROTOCOL_VERSION})",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--dir", default=".", help="project root (default: .)")
        sub.add_argument("-v", "--verbose", action="store_true", help="debug logging")
        return sub

    build = command("build", "Load and validate every step; print steps and the flow graph.")
    build.set_defaults(command=_build)

    run = command("run", "Invoke one step once; print its result, emits and state writes.")
    run.add_argument("step", help="step name")
    run.add_argument("--data", default="null", help="JSON input (an API step's request body)")
    run.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="API path param"
    )
    run.add_argument(
        "--query", action="append", default=[], metavar="NAME=VALUE", help="API query param"
    )
    run.set_defaults(command=_run)

    _server_commands(command)

    types = command("types", "Write types.d.ts (and steppe_types.py) from the step configs.")
    types.set_defaults(command=_types)

    test = command("test", "Run the project's tests (pytest, jest/vitest/node, minitest).")
    test.add_argument(
        "paths",
        nargs="*",
        metavar="PATHS",
        help="test files or folders, relative to the current folder (default: the project)",
    )
    test.set_defaults(command=_test)

    create = command("create", "Create a new project in DIR that `steppe dev` serves at once.")
    create.add_argument("target", metavar="DIR", help="the new project's directory")
    create.add_argument("--force", action="store_true", help="write into DIR even if it has files")
    create.set_defaults(command=_create, dotenv=False)

    completion = command("completion", "Print a shell completion script: bash, zsh or fish.")
    completion.add_argument("shell", choices=SHELLS)
    completion.set_defaults(command=_completion, dotenv=False)

    doctor = command("doctor", "Check that this machine has what the project needs; exit 1 if not.")
    doctor.set_defaults(
        command=lambda args, project_dir, settings: run_doctor(project_dir, settings)
    )
    return parser


def _server_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """`dev` and `start`, which serve, and `emit` and `dlq`, which talk to a server."""
    for name, help_text in (
        ("dev", "Serve the project for development: console log per request, admin API open."),
        ("start", "Serve the project for production: admin API only with STEPPE_ADMIN_TOKEN."),
    ):
        serve = command(name, help_text)
        serve.add_argument("--host", help="interface to bind (default 127.0.0.1)")
        serve.add_argument("--port", type=int, help="port to bind (default 3000)")
        serve.add_argument(
            "--json", action="store_true", help="JSON log lines on stdout, nothing else"
        )
        serve.set_defaults(command=_serve, mode=name, workers=1, worker=False)
        if name == "start":
            serve.add_argument(
                "--workers", type=int, default=1, metavar="N",
                help="N processes on one port, sharing Redis (every store must be Redis)",
            )  # fmt: skip
            # A process started by --workers: binds with SO_REUSEPORT, starts no others.
            serve.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)

    emit = command("emit", "Emit an event to a running server (through its admin API).")
    emit.add_argument("topic")
    emit.add_argument("--data", default="null", help="the event data, as JSON")
    emit.add_argument("--url", help="server URL (default http://HOST:PORT from the settings)")
    emit.set_defaults(command=_emit)

    dlq = command("dlq", "List, show, replay or purge dead letters of a running server.")
    dlq.add_argument("action", choices=["list", "show", "replay", "purge"])
    dlq.add_argument("ids", nargs="*", help="dead-letter ids (show takes one)")
    dlq.add_argument("--all", action="store_true", help="replay or purge every dead letter")
    dlq.add_argument("--url", help="server URL (default http://HOST:PORT from the settings)")
    dlq.set_defaults(command=_dlq)


def _completion(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    sys.stdout.write(completion_script(args.shell, _parser()))
    return ExitCode.OK


def _serve(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    overrides: dict[str, Any] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    if args.worker:
        overrides["reuse_port"] = True
    settings = replace(settings, **overrides)
    check_workers(settings, args.workers)
    if args.workers > 1:
        return ExitCode(run_workers(project_dir, settings, args.workers, json_console=args.json))
    # Redis stores are shared by design (docs/reference.md §11): the folder's lock guards
    # embedded ones.
    embedded = store_kinds(settings) != {"redis"}
    try:
        with hold_data_dir(project_dir / settings.data_dir) if embedded else nullcontext():
            trio.run(
                partial(
                    run_until_signalled, project_dir, settings, args.mode, json_console=args.json
                )
            )
    except BaseExceptionGroup as group:
        # A store that cannot open (a damaged state.db, a full disk) or a missing runtime
        # is the user's to fix: one line saying what to do, not the task tree's traceback.
        failures = _leaves(group)
        if not all(isinstance(f, StorageError | RunnerSetupError) for f in failures):
            raise
        for message in dict.fromkeys(str(f) for f in failures):
            err_console.print(f"[bold red]error[/] {escape(message)}")
        # Redis not reachable at start is a setting to fix (redis_url), like a bad one.
        unreachable = all(isinstance(f, RedisUnavailable) for f in failures)
        return ExitCode.USAGE if unreachable else ExitCode.FAILED
    return ExitCode.OK


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        leaves.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return leaves


def _json_option(text: str, option: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{option} is not valid JSON: {exc}") from None


def _server_url(args: argparse.Namespace, settings: Settings) -> str:
    """--url, or the address `steppe dev`/`start` would listen on with these settings."""
    return str(args.url or f"http://{settings.host}:{settings.port}").rstrip("/")


def _emit(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    data = _json_option(args.data, "--data")
    url = _server_url(args, settings)
    try:
        answer = post_emit(url, args.topic, data, os.environ.get(ADMIN_TOKEN_VARIABLE))
    except AdminCallFailed as exc:
        err_console.print(f"[bold red]error[/] {escape(str(exc))}")
        return ExitCode.FAILED
    print(json.dumps(answer, indent=2))
    return ExitCode.OK


def _dlq(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    url = _server_url(args, settings)
    token = os.environ.get(ADMIN_TOKEN_VARIABLE)
    if args.action in ("replay", "purge") and not args.ids and not args.all:
        err_console.print(f"[bold red]error[/] name dead letters to {args.action}, or --all")
        return ExitCode.USAGE
    try:
        if args.action == "list":
            answer = admin_call(url, "/dlq", token)
        elif args.action == "show":
            if len(args.ids) != 1:
                err_console.print("[bold red]error[/] show takes exactly one dead-letter id")
                return ExitCode.USAGE
            answer = admin_call(url, f"/dlq/{args.ids[0]}", token)
        else:
            body = {"all": True} if args.all else {"ids": args.ids}
            answer = admin_call(url, f"/dlq/{args.action}", token, body)
    except AdminCallFailed as exc:
        err_console.print(f"[bold red]error[/] {escape(str(exc))}")
        return ExitCode.FAILED
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    return ExitCode.OK


def _build(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    async def build() -> ExitCode:
        async with open_runtime(project_dir, settings) as runtime:
            project = runtime.project
        console = err_console
        console.print(steps_table(project))
        console.print(topic_graph(project))
        print_ignored_fields(console, project)
        print_skipped_files(console, skipped_files(project.root, settings.step_dirs), project.root)
        print_problems(console, project.problems, project.root)
        errors = len(project.errors)
        summary = f"{len(project.steps)} steps, {len(project.streams)} streams"
        if errors:
            console.print(f"[bold red]{summary}, {errors} error(s)[/]")
            return ExitCode.FAILED
        console.print(f"[green]{summary}, no errors[/]")
        return ExitCode.OK

    return trio.run(build)


def _types(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    async def types() -> ExitCode:
        async with open_runtime(project_dir, settings) as runtime:
            project = runtime.project
        print_problems(err_console, project.problems, project.root)
        for path in write_types(project):
            err_console.print(f"[green]wrote[/] {escape(str(path.relative_to(project.root)))}")
        if project.errors:
            # The types are written for the steps that loaded; the others are missing.
            err_console.print(f"[bold red]{len(project.errors)} file(s) with errors left out[/]")
            return ExitCode.FAILED
        return ExitCode.OK

    return trio.run(types)


def _test(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    return ExitCode.OK if run_tests(project_dir, settings, args.paths) else ExitCode.FAILED


def _create(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    target = project_dir / args.target
    try:
        written = create_project(target, force=args.force)
    except ProjectExists as exc:
        err_console.print(f"[bold red]error[/] {escape(str(exc))}")
        return ExitCode.USAGE
    target = target.resolve()
    for path in written:
        err_console.print(f"[green]created[/] {escape(str(path.relative_to(target)))}")
    shown = escape(os.path.relpath(target))
    err_console.print(
        f"\nNext:\n  cd {shown}\n  steppe dev      [dim]# then see README.md for the curl to try[/]"
        "\n  steppe types    [dim]# types.d.ts for the TypeScript steps[/]"
    )
    return ExitCode.OK


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"{option} expects NAME=VALUE, got {value!r}")
        pairs[name] = text
    return pairs


def _run(args: argparse.Namespace, project_dir: Path, settings: Settings) -> ExitCode:
    data = _json_option(args.data, "--data")
    params, query = _pairs(args.param, "--param"), _pairs(args.query, "--query")

    async def run() -> ExitCode:
        async with open_runtime(project_dir, settings) as runtime:
            print_problems(err_console, runtime.project.errors, runtime.project.root)
            try:
                report = await run_step(runtime, args.step, data, params, query)
            except RemoteError as exc:
                err_console.print(f"[bold red]{escape(args.step)} threw[/] {escape(str(exc))}")
                if exc.stack:
                    err_console.print(escape(exc.stack), style="dim")
                return ExitCode.FAILED
            except SteppeError as exc:
                err_console.print(f"[bold red]error[/] {escape(str(exc))}")
                return ExitCode.FAILED
        _print_report(report)
        return ExitCode.OK

    return trio.run(run)


def _print_report(report: RunReport) -> None:
    text = json.dumps(report.as_json(), indent=2, ensure_ascii=False, default=str)
    if sys.stdout.isatty():
        err_console.print(Syntax(text, "json", background_color="default"))
    else:
        print(text)

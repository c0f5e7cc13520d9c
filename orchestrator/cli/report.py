"""What a person reads: rich tables of steps and problems, and one line per log entry."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from orchestrator.core.paths import relative_label
from orchestrator.model.discovery import SkippedFile
from orchestrator.model.step import Step, language_name
from orchestrator.model.validation import ignored_fields
from orchestrator.services.project import FileProblem, Project


def steps_table(project: Project) -> Table:
    table = Table(title="Steps", title_justify="left", header_style="bold")
    for column in ("Name", "Type", "Language", "Trigger", "Emits", "File"):
        table.add_column(column)
    for step in sorted(project.steps.values(), key=lambda s: (s.type, s.name)):
        emits = [e.topic for e in step.emits] + [f"({e.topic})" for e in step.virtual_emits]
        # An API step's middleware runs before its handler: shown under its route.
        trigger = step.trigger
        if step.middleware:
            trigger += "\nmiddleware: " + ", ".join(step.middleware)
        table.add_row(
            step.name,
            f"{step.type} (1.0)" if step.is_v1 else step.type,
            language_name(step),
            escape(trigger),
            escape(", ".join(emits)) or "-",
            escape(relative_label(step.path, project.root)),
        )
    return table


def topic_graph(project: Project) -> Tree:
    """Each flow, and within it each topic from its emitters to its subscribers.
    Virtual (noop) edges are shown in parentheses."""
    tree = Tree("[bold]Flows[/bold]")
    flows = sorted({flow for step in project.steps.values() for flow in step.flows})
    for flow in [*flows, None]:
        members = [s for s in project.steps.values() if (flow in s.flows if flow else not s.flows)]
        if not members:
            continue
        branch = tree.add(f"[bold]{escape(flow)}[/bold]" if flow else "[dim](no flow)[/dim]")
        for line in _edges(members):
            branch.add(escape(line))
    return tree


def _edges(members: list[Step]) -> list[str]:
    topics: dict[str, tuple[list[str], list[str]]] = {}
    for step in members:
        for emit in step.emits:
            label = f" [{emit.label}]" if emit.label else ""
            cond = "?" if emit.conditional else ""
            topics.setdefault(emit.topic, ([], []))[0].append(f"{step.name}{cond}{label}")
        for emit in step.virtual_emits:
            topics.setdefault(f"({emit.topic})", ([], []))[0].append(step.name)
        for topic in step.subscribes:
            topics.setdefault(topic, ([], []))[1].append(step.name)
        for topic in step.virtual_subscribes:
            topics.setdefault(f"({topic})", ([], []))[1].append(step.name)
    lines = []
    for step in members:
        if step.type in ("api", "cron"):
            lines.append(f"{step.trigger} → {step.name}")
    for topic in sorted(topics):
        emitters, subscribers = topics[topic]
        left = ", ".join(emitters) or "?"
        right = ", ".join(subscribers) or "(no subscriber)"
        lines.append(f"{left} —{topic}→ {right}")
    return lines


def print_problems(console: Console, problems: Iterable[FileProblem], root: Path) -> None:
    for problem in problems:
        style = "bold red" if problem.severity == "error" else "yellow"
        label = "error" if problem.severity == "error" else "warning"
        console.print(f"[{style}]{label}[/{style}] {escape(problem.describe(root))}")


def print_skipped_files(console: Console, skipped: Iterable[SkippedFile], root: Path) -> None:
    for file in skipped:
        shown = escape(f"{relative_label(file.path, root)}: {file.reason}")
        console.print(f"[yellow]skipped[/yellow] {shown}")


def print_ignored_fields(console: Console, project: Project) -> None:
    for step in project.steps.values():
        ignored = ignored_fields(step.config)
        if ignored:
            console.print(
                f"[dim]note[/dim] {step.name}: Steppe accepts but does not use yet: "
                + ", ".join(ignored)
            )

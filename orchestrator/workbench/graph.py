"""The flow graph the workbench draws: per flow, steps as nodes and topics as edges.

An edge goes from a step that emits a topic to each step of the same flow that
subscribes to it. It is `virtual` when either end is (`virtualEmits`,
`virtualSubscribes`: noop steps and manual hand-offs), and carries the emit's
`label` and `conditional` flag. A topic emitted with no subscriber in the flow
is listed in `unconnected`; a subscription that nothing in the flow emits, in
`inbound` (it is fed from outside: another flow, the CLI or the workbench).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orchestrator.core.paths import relative_label
from orchestrator.model.step import Emit, Step, language_name
from orchestrator.services.project import Project

NO_FLOW = "(no flow)"
"""The id of the pseudo-flow that holds the steps that name no flow."""


def _emit_json(emit: Emit) -> dict[str, Any]:
    return {"topic": emit.topic, "label": emit.label, "conditional": emit.conditional}


def step_summary(step: Step, root: Path) -> dict[str, Any]:
    """What a node shows, and what its detail panel starts from."""
    summary: dict[str, Any] = {
        "id": step.name,
        "name": step.name,
        "type": step.type,
        "language": step.language,
        "languageName": language_name(step),
        "file": relative_label(step.path, root),
        "path": str(step.path),
        "description": step.config.get("description"),
        "flows": list(step.flows),
        "trigger": step.trigger,
        "emits": [_emit_json(e) for e in step.emits],
        "virtualEmits": [_emit_json(e) for e in step.virtual_emits],
        "subscribes": list(step.subscribes),
        "virtualSubscribes": list(step.virtual_subscribes),
    }
    if step.http_triggers:
        summary["method"] = step.method
        summary["apiPath"] = step.api_path
        summary["middleware"] = list(step.middleware)
    if step.cron_triggers:
        summary["cron"] = step.cron
    if step.is_v1:  # every trigger, for a step that may have several
        summary["motia"] = "1.0"
        summary["triggers"] = [t.info() | {"description": t.describe()} for t in step.triggers]
    return summary


def _flow_json(
    flow_id: str, members: list[Step], root: Path, undeclared: Mapping[str, list[str]]
) -> dict[str, Any]:
    emitted: list[tuple[Step, Emit, bool]] = []
    subscribed: dict[str, list[tuple[Step, bool]]] = {}
    surprises = {(name, topic) for name, topics in undeclared.items() for topic in topics}
    for step in members:
        emitted.extend((step, emit, False) for emit in step.emits)
        emitted.extend((step, emit, True) for emit in step.virtual_emits)
        emitted.extend((step, Emit(topic), False) for topic in undeclared.get(step.name, ()))
        for topic in step.subscribes:
            subscribed.setdefault(topic, []).append((step, False))
        for topic in step.virtual_subscribes:
            subscribed.setdefault(topic, []).append((step, True))
    edges: list[dict[str, Any]] = []
    unconnected: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for source, emit, virtual_emit in emitted:
        targets = subscribed.get(emit.topic, [])
        if not targets:
            stub = {"source": source.name, **_emit_json(emit), "virtual": virtual_emit}
            if (source.name, emit.topic) in surprises:
                stub["undeclared"] = True
            unconnected.append(stub)
        for target, virtual_subscribe in targets:
            key = (source.name, target.name, emit.topic)
            if key in seen:  # the same topic declared twice (real and virtual)
                continue
            seen.add(key)
            edge = {
                "id": f"{source.name}->{target.name}:{emit.topic}",
                "source": source.name,
                "target": target.name,
                **_emit_json(emit),
                "virtual": virtual_emit or virtual_subscribe,
            }
            if (source.name, emit.topic) in surprises:
                edge["undeclared"] = True
            edges.append(edge)
    emitted_topics = {emit.topic for _, emit, _ in emitted}
    inbound = [
        {"target": step.name, "topic": topic, "virtual": virtual}
        for topic, subscribers in sorted(subscribed.items())
        if topic not in emitted_topics
        for step, virtual in subscribers
    ]
    return {
        "id": flow_id,
        "name": flow_id,
        "nodes": [step_summary(s, root) for s in sorted(members, key=_node_order)],
        "edges": edges,
        "unconnected": unconnected,
        "inbound": inbound,
    }


def _node_order(step: Step) -> tuple[int, str]:
    """Triggers first (api, cron), then event and noop steps; by name within a type."""
    return ({"api": 0, "cron": 1, "event": 2, "noop": 3}.get(step.type, 4), step.name)


def flow_graph(
    project: Project, undeclared: Mapping[str, Iterable[str]] | None = None
) -> dict[str, Any]:
    """Every flow of the project as nodes and edges; steps with no flow form their own.
    `undeclared` (step name → topics it emitted without declaring them, as the emit
    checker saw) adds those emits as edges marked `undeclared`."""
    steps = list(project.steps.values())
    extra = {name: sorted(topics) for name, topics in (undeclared or {}).items()}
    names = sorted({flow for step in steps for flow in step.flows})
    flows = [
        _flow_json(name, [s for s in steps if name in s.flows], project.root, extra)
        for name in names
    ]
    loose = [s for s in steps if not s.flows]
    if loose:
        flows.append(_flow_json(NO_FLOW, loose, project.root, extra))
    return {"flows": flows}


def topics(project: Project) -> list[dict[str, Any]]:
    """Every topic a step emits or subscribes to, with who emits it and who receives it
    (and the `input` schema each receiver checks the data against)."""
    found: dict[str, dict[str, Any]] = {}

    def entry(topic: str) -> dict[str, Any]:
        return found.setdefault(topic, {"topic": topic, "emitters": [], "subscribers": []})

    for step in project.steps.values():
        for emit in step.emits:
            entry(emit.topic)["emitters"].append(
                {"step": step.name, "label": emit.label, "conditional": emit.conditional}
            )
        for emit in step.virtual_emits:
            entry(emit.topic)["emitters"].append(
                {"step": step.name, "label": emit.label, "conditional": emit.conditional,
                 "virtual": True}
            )  # fmt: skip
        for topic in step.subscribes:
            entry(topic)["subscribers"].append(
                {
                    "step": step.name,
                    "language": step.language,
                    "input": step.input_schema_for(topic),
                }
            )
    return [found[topic] for topic in sorted(found)]

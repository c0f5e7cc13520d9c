"""The text of `types.d.ts`: the schema types in the global namespace `SteppeTypes`,
and the modules `'motia'` and `'@motia/core'` with the runtime types of Motia 0.17
(`templates/motia_runtime.d.ts.tmpl`) and 1.0 (`templates/motia_v1.d.ts.tmpl`), and a
handler type for each 0.17 step (1.0 steps type theirs from their config)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from orchestrator.core.paths import relative_label
from orchestrator.model.step import Step
from orchestrator.services.project import Project
from orchestrator.typegen.names import Names, pascal_case
from orchestrator.typegen.schema_ts import TypeScriptConverter
from orchestrator.typegen.template import template
from orchestrator.typegen.triggers import (
    body_schemas,
    declared_topics,
    is_triggered,
    subscriptions,
)
from orchestrator.typegen.ts_syntax import doc_text, ts_intersection, ts_key, ts_union


def typescript_declarations(project: Project) -> str:
    """The text of `types.d.ts` for a loaded project."""
    namespace = "SteppeTypes"
    names = Names({"Topics", "Streams"})
    converter = TypeScriptConverter(namespace, names)
    steps = sorted(project.steps.values(), key=lambda s: s.name)
    schema_of, accepted = _schema_aliases(steps, converter)
    responses = {step.name: _ts_responses(step, converter) for step in steps if step.type == "api"}
    streams = {
        name: converter.alias(f"{pascal_case(name)}Item", stream.schema)
        if stream.schema is not None
        else "unknown"
        for name, stream in sorted(project.streams.items())
    }
    topics = _topic_types(steps, accepted)

    out = [template("types_header.d.ts.tmpl"), f"declare namespace {namespace} {{"]
    for alias, text in converter.aliases.items():
        out.append(f"  export type {alias} = {text};\n")
    out.append("  /** The data each topic's subscribers accept (all of them, when several). */")
    out.append(_ts_interface("Topics", topics, 1))
    out.append("  /** The item type of each stream. */")
    out.append(_ts_interface("Streams", streams, 1))
    out.append("}\n")
    out.append("declare module 'motia' {")
    out.append(template("motia_runtime.d.ts.tmpl"))
    out.append(template("motia_v1.d.ts.tmpl"))
    out.append("  /** Each 0.17 step's handler: `export const handler: Handlers['Name']`. */")
    out.append("  export interface StepHandlers {")
    for step in steps:
        handler = _ts_handler(step, schema_of.get(step.name), responses.get(step.name))
        if handler is None:
            continue
        where = relative_label(step.path, project.root)
        out.append(f"    /** {doc_text(f'{step.type} {step.trigger} — {where}')} */")
        out.append(f"    {ts_key(step.name)}: {handler};")
    out.append("  }")
    out.append("}\n")
    out.append("declare module '@motia/core' {")
    out.append("  export * from 'motia';")
    out.append("}\n")
    return "\n".join(out)


def _schema_aliases(
    steps: list[Step], converter: TypeScriptConverter
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Declare each step's body and input schemas: the alias of each 0.17 step's
    body/input by step name, and the input aliases of each topic's subscribers."""
    schema_of: dict[str, str] = {}
    accepted: dict[str, list[str]] = {}
    for step in steps:
        base = pascal_case(step.name)
        for body in body_schemas(step):
            schema_of.setdefault(step.name, converter.alias(f"{base}Body", body))
        if not is_triggered(step):
            if step.type == "event" and step.input_schema is not None:
                alias = schema_of[step.name] = converter.alias(f"{base}Input", step.input_schema)
                for topic in step.subscribes:
                    accepted.setdefault(topic, []).append(alias)
            continue
        for topic, schema in subscriptions(step):
            if schema is not None:
                accepted.setdefault(topic, []).append(converter.alias(f"{base}Input", schema))
    return schema_of, accepted


def _topic_types(steps: list[Step], accepted: Mapping[str, list[str]]) -> dict[str, str]:
    topics: set[str] = set(accepted)
    for step in steps:
        topics.update(declared_topics(step))
        topics.update(topic for topic, _ in subscriptions(step))
    return {topic: ts_intersection(accepted.get(topic, [])) for topic in sorted(topics)}


def _ts_responses(step: Step, converter: TypeScriptConverter) -> str:
    schemas = step.config.get("responseSchema")
    if not isinstance(schemas, Mapping) or not schemas:
        return "ApiResponse"
    options = []
    for status, schema in sorted(schemas.items(), key=lambda item: str(item[0])):
        code = str(status)
        status_type = code if code.isdigit() else "number"
        body = converter.alias(f"{pascal_case(step.name)}Response{code}", schema)
        options.append(f"ApiResponse<{status_type}, {body}>")
    return ts_union(options)


def _ts_handler(step: Step, schema: str | None, response: str | None) -> str | None:
    if is_triggered(step):
        return None  # typed from its config: `Handlers<typeof config>`
    emits = " | ".join(f"TopicEvent<{json.dumps(t)}>" for t in sorted(declared_topics(step)))
    emits = emits or "never"
    if step.type == "api":
        params = re.findall(r":([A-Za-z0-9_]+)", step.api_path)
        path_params = (
            "{ " + "; ".join(f"{ts_key(p)}: string" for p in dict.fromkeys(params)) + " }"
            if params
            else "{}"  # not Record<string, never>: reading any param must be an error
        )
        args = [schema or "unknown", response or "ApiResponse", emits, path_params]
        return _ts_generic("ApiRouteHandler", args)
    if step.type == "event":
        return _ts_generic("EventHandler", [schema or "unknown", emits])
    if step.type == "cron":
        return _ts_generic("CronHandler", [emits])
    return None


def _ts_generic(name: str, args: list[str]) -> str:
    """`Name<A, B>`, one argument a line when that is long."""
    text = f"{name}<{', '.join(args)}>"
    if len(text) <= 70:
        return text
    return f"{name}<\n" + "".join(f"      {arg},\n" for arg in args) + "    >"


def _ts_interface(name: str, members: Mapping[str, str], indent: int) -> str:
    pad = "  " * indent
    if not members:
        return f"{pad}export interface {name} {{}}\n"
    lines = [f"{pad}export interface {name} {{"]
    lines += [f"{pad}  {json.dumps(key)}: {value};" for key, value in members.items()]
    lines.append(f"{pad}}}\n")
    return "\n".join(lines)

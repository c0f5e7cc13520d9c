"""`steppe types`: TypeScript declarations and Python TypedDicts from a loaded project.

Two files are written in the project root:

- `types.d.ts` declares the modules `'motia'` and `'@motia/core'`, so a step file
  that writes `export const handler: Handlers['CreateOrder'] = async (req, ctx) => …`
  gets the request body type (from `bodySchema`), the event `input` type, and an
  `emit` that takes only the step's declared topics, each with the data its
  subscribers' `input` schemas accept. The schema types themselves live in the
  global namespace `SteppeTypes`.
- `steppe_types.py` (when the project has Python files) has a TypedDict for each
  step's `bodySchema`/`input` and each stream's item.

Both come from the configs as loaded (zod and pydantic already converted to JSON
Schema), so they say exactly what the orchestrator validates. `write_types` runs
in-process on a loaded `Project`, so a reloading server can call it too.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.core.paths import relative_label
from orchestrator.model.step import Step
from orchestrator.services.project import Project
from orchestrator.typegen.template import template

TYPES_D_TS = "types.d.ts"
PYTHON_TYPES = "steppe_types.py"
# Beyond this depth a schema is typed as `unknown` / `Any` rather than expanded.
_MAX_DEPTH = 32
_TS_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def write_types(project: Project) -> list[Path]:
    """Write `types.d.ts` (and `steppe_types.py` when there are Python files) in the
    project root; the paths, whether their text changed or not.

    A file whose text is already up to date is not rewritten, so a file watcher
    does not see a change that is none.
    """
    files = {project.root / TYPES_D_TS: typescript_declarations(project)}
    languages = {s.language for s in project.steps.values()}
    languages |= {s.language for s in project.streams.values()}
    if "python" in languages:
        files[project.root / PYTHON_TYPES] = python_typed_dicts(project)
    for path, text in files.items():
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        path.write_text(text, encoding="utf-8")
    return list(files)


# --- naming ------------------------------------------------------------------------


def pascal_case(name: str) -> str:
    """`order.v2-create` → `OrderV2Create`; a name that would start with a digit gets `T`."""
    words = re.split(r"[^A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not text:
        return "T"
    return f"T{text}" if text[0].isdigit() else text


class _Names:
    """Unique identifiers within one generated file."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken = set(reserved)

    def claim(self, *candidates: str) -> str:
        for candidate in candidates:
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate
        base, number = candidates[-1], 2
        while f"{base}{number}" in self._taken:
            number += 1
        self._taken.add(f"{base}{number}")
        return f"{base}{number}"


@dataclass
class _Root:
    """One top-level schema: where its `$ref`s resolve and how its parts are named."""

    schema: Any
    owner: str
    refs: dict[str, str] = field(default_factory=dict)


_MISSING = object()


def _resolve(root: Any, ref: str) -> Any:
    """The target of a local `$ref` (`#`, `#/$defs/X`, any JSON pointer), or _MISSING."""
    if not ref.startswith("#"):
        return _MISSING
    node = root
    pointer = ref[1:]
    if not pointer:
        return node
    if not pointer.startswith("/"):
        return _MISSING
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _dedupe_key(target: Any) -> str:
    """Equal `$defs` from different roots share one type, unless they refer further:
    their own `$ref`s might resolve differently in each root."""
    text = json.dumps(target, sort_keys=True, default=str)
    return f"{id(target)}" if '"$ref"' in text else text


def _ref_name(ref: str) -> str:
    return pascal_case(ref.rstrip("/").rsplit("/", 1)[-1]) if ref != "#" else ""


def _schema_types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types a schema admits, inferred from its keywords when `type` is absent."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    if any(k in schema for k in ("properties", "additionalProperties", "required")):
        return ["object"]
    if any(k in schema for k in ("items", "prefixItems")):
        return ["array"]
    return []


# --- JSON Schema → TypeScript --------------------------------------------------------


class TypeScriptConverter:
    """JSON Schema → TypeScript type expressions.

    Handles object (`properties`, `required`, `additionalProperties`), arrays and
    tuples, `enum`/`const`, `anyOf`/`oneOf`/`allOf`, the primitive types, `type`
    lists, `nullable`, and local `$ref`s (pydantic's `$defs`), which become named
    aliases in `aliases` (so recursive schemas work). Anything else is `unknown`.

    An object without `additionalProperties` gets no index signature: extra fields
    pass validation but are not typed, so reading a field the schema does not name
    is a type error. `additionalProperties: true` adds `[key: string]: unknown`.
    """

    def __init__(self, namespace: str, names: _Names) -> None:
        self.namespace = namespace
        self.names = names
        self.aliases: dict[str, str] = {}
        self._by_schema: dict[str, str] = {}

    def alias(self, name: str, schema: Any, owner: str | None = None) -> str:
        """Declare `schema` as an alias (a unique name near `name`); its qualified name."""
        alias = self.names.claim(name)
        root = _Root(schema, owner or alias)
        root.refs["#"] = alias
        self.aliases[alias] = self.convert(schema, root, 2)
        return f"{self.namespace}.{alias}"

    def convert(self, schema: Any, root: _Root, indent: int, depth: int = 0) -> str:
        if schema is False:
            return "never"
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return "unknown"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, root)
        if "const" in schema:
            return _ts_literal(schema["const"])
        if isinstance(schema.get("enum"), list):
            return _ts_union([_ts_literal(v) for v in schema["enum"]])
        parts = []
        types = _schema_types(schema)
        if types:
            parts.append(_ts_union([self._of_type(t, schema, root, indent, depth) for t in types]))
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                options = [self.convert(s, root, indent, depth + 1) for s in schema[key]]
                parts.append(_ts_union(options))
        if isinstance(schema.get("allOf"), list):
            members = [self.convert(s, root, indent, depth + 1) for s in schema["allOf"]]
            parts.append(_ts_intersection(members))
        parts = [p for p in parts if p != "unknown"]
        result = _ts_intersection(parts) if parts else "unknown"
        if schema.get("nullable") is True and result != "unknown":
            result = _ts_union([result, "null"])
        return result

    def _ref(self, ref: str, root: _Root) -> str:
        if ref in root.refs:
            return f"{self.namespace}.{root.refs[ref]}"
        target = _resolve(root.schema, ref)
        if target is _MISSING:
            return "unknown"
        key = _dedupe_key(target)
        if key in self._by_schema:
            root.refs[ref] = self._by_schema[key]
        else:
            short = _ref_name(ref) or root.owner
            name = self.names.claim(short, f"{root.owner}{short}")
            root.refs[ref] = self._by_schema[key] = name
            self.aliases[name] = self.convert(target, root, 2)
        return f"{self.namespace}.{root.refs[ref]}"

    def _of_type(
        self, kind: str, schema: Mapping[str, Any], root: _Root, indent: int, depth: int
    ) -> str:
        if kind == "string":
            return "string"
        if kind in ("number", "integer"):
            return "number"
        if kind == "boolean":
            return "boolean"
        if kind == "null":
            return "null"
        if kind == "array":
            return self._array(schema, root, indent, depth)
        if kind == "object":
            return self._object(schema, root, indent, depth)
        return "unknown"

    def _array(self, schema: Mapping[str, Any], root: _Root, indent: int, depth: int) -> str:
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        if isinstance(prefix, list):
            members = [self.convert(s, root, indent, depth + 1) for s in prefix]
            if items is not False:
                rest = self.convert(items, root, indent, depth + 1) if items else "unknown"
                members.append(f"...{_ts_array(rest)}")
            return f"[{', '.join(members)}]"
        item = self.convert(items, root, indent, depth + 1) if items is not None else "unknown"
        return _ts_array(item)

    def _object(self, schema: Mapping[str, Any], root: _Root, indent: int, depth: int) -> str:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        extra = schema.get("additionalProperties")
        extra_type = None
        if extra is True or extra == {}:
            extra_type = "unknown"
        elif isinstance(extra, Mapping):
            extra_type = self.convert(extra, root, indent, depth + 1)
        if not properties and not required:
            if extra is False:
                return "Record<string, never>"
            return f"Record<string, {extra_type or 'unknown'}>"
        pad = "  " * indent
        lines = []
        for name, sub in properties.items():
            doc = sub.get("description") if isinstance(sub, Mapping) else None
            if isinstance(doc, str) and doc.strip():
                lines.append(f"{pad}/** {_doc_text(doc)} */")
            optional = "" if name in required else "?"
            value = self.convert(sub, root, indent + 1, depth + 1)
            lines.append(f"{pad}{_ts_key(name)}{optional}: {value};")
        for name in required:
            if name not in properties:
                lines.append(f"{pad}{_ts_key(name)}: unknown;")
        if extra_type is not None:
            # Every named property must fit the index signature, so it is `unknown`.
            lines.append(f"{pad}[key: string]: unknown;")
        closing = "  " * (indent - 1)
        return "{\n" + "\n".join(lines) + f"\n{closing}}}"


def _ts_literal(value: Any) -> str:
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)
    return "unknown"


def _ts_union(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    if "unknown" in unique:
        return "unknown"
    if not unique:
        return "never"
    if len(unique) > 1:
        unique = [o for o in unique if o != "never"] or ["never"]
    return " | ".join(_ts_paren(o, "|") for o in unique)


def _ts_intersection(members: list[str]) -> str:
    unique = [m for m in dict.fromkeys(members) if m != "unknown"]
    if len(unique) < 2:
        return unique[0] if unique else "unknown"
    return " & ".join(_ts_paren(m, "&") for m in unique)


def _ts_paren(text: str, within: str) -> str:
    """Parenthesise a union that becomes a member of an intersection (`&` binds tighter)."""
    return f"({text})" if within == "&" and "|" in _top_level(text) else text


_TS_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _top_level(text: str) -> str:
    """The text without string literals and bracketed parts: what binds at the top level."""
    out, depth = [], 0
    for char in _TS_STRING.sub('""', text):
        if char in "{[(<":
            depth += 1
        elif char in "}])>":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _ts_array(item: str) -> str:
    top = _top_level(item)
    if "|" in top or "&" in top:
        return f"Array<{item}>"
    return f"{item}[]"


def _ts_key(name: str) -> str:
    return name if _TS_IDENTIFIER.match(name) else json.dumps(name)


def _doc_text(text: str) -> str:
    return " ".join(text.split()).replace("*/", "*\\/")


# --- types.d.ts ----------------------------------------------------------------------


def typescript_declarations(project: Project) -> str:
    """The text of `types.d.ts` for a loaded project."""
    namespace = "SteppeTypes"
    names = _Names({"Topics", "Streams"})
    converter = TypeScriptConverter(namespace, names)
    steps = sorted(project.steps.values(), key=lambda s: s.name)
    schema_of: dict[str, str] = {}  # step name -> qualified alias of its body/input
    for step in steps:
        base = pascal_case(step.name)
        if step.type == "api" and step.body_schema is not None:
            schema_of[step.name] = converter.alias(f"{base}Body", step.body_schema)
        elif step.type == "event" and step.input_schema is not None:
            schema_of[step.name] = converter.alias(f"{base}Input", step.input_schema)
    responses = {step.name: _ts_responses(step, converter) for step in steps if step.type == "api"}
    streams = {
        name: converter.alias(f"{pascal_case(name)}Item", stream.schema)
        if stream.schema is not None
        else "unknown"
        for name, stream in sorted(project.streams.items())
    }
    topics = _topic_types(project, schema_of)

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
    out.append("  /** The handler type of each step: `export const handler: Handlers['Name']`. */")
    out.append("  export interface Handlers {")
    for step in steps:
        handler = _ts_handler(step, schema_of.get(step.name), responses.get(step.name))
        if handler is None:
            continue
        where = relative_label(step.path, project.root)
        out.append(f"    /** {_doc_text(f'{step.type} {step.trigger} — {where}')} */")
        out.append(f"    {_ts_key(step.name)}: {handler};")
    out.append("  }")
    out.append("}\n")
    out.append("declare module '@motia/core' {")
    out.append("  export * from 'motia';")
    out.append("}\n")
    return "\n".join(out)


def _topic_types(project: Project, schema_of: Mapping[str, str]) -> dict[str, str]:
    topics: set[str] = set()
    for step in project.steps.values():
        topics.update(step.emit_topics)
        topics.update(step.subscribes)
    types = {}
    for topic in sorted(topics):
        accepted = [
            schema_of[s.name]
            for s in sorted(project.subscribers(topic), key=lambda s: s.name)
            if s.name in schema_of
        ]
        types[topic] = _ts_intersection(accepted)
    return types


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
    return _ts_union(options)


def _ts_handler(step: Step, schema: str | None, response: str | None) -> str | None:
    emits = " | ".join(f"TopicEvent<{json.dumps(t)}>" for t in sorted(step.emit_topics))
    emits = emits or "never"
    if step.type == "api":
        params = re.findall(r":([A-Za-z0-9_]+)", step.api_path)
        path_params = (
            "{ " + "; ".join(f"{_ts_key(p)}: string" for p in dict.fromkeys(params)) + " }"
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


# --- JSON Schema → Python TypedDicts ----------------------------------------------


class PythonConverter:
    """JSON Schema → Python annotations, defining a TypedDict for each object with
    properties. Optional properties are `NotRequired`; `$ref`s become their own
    classes (recursion works: annotations are not evaluated at run time)."""

    def __init__(self, names: _Names) -> None:
        self.names = names
        self.definitions: list[str] = []
        self._by_schema: dict[str, str] = {}

    def typed_dict(self, name: str, schema: Any) -> str:
        """Define `schema` under a unique name near `name`; the annotation to use."""
        root = _Root(schema, name)
        return self.convert(schema, root, name, 0)

    def convert(self, schema: Any, root: _Root, hint: str, depth: int) -> str:
        if schema is False:
            return "NoReturn"
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return "Any"
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, root)
        if "const" in schema:
            return _py_literal([schema["const"]])
        if isinstance(schema.get("enum"), list):
            return _py_literal(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                options = [
                    self.convert(s, root, f"{hint}Option{i}", depth + 1)
                    for i, s in enumerate(schema[key], 1)
                ]
                return _py_union(options)
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and all_of:
            # A TypedDict cannot be intersected; one member (pydantic's wrapped $ref)
            # is that member, several are merged when they are all plain objects.
            merged = _merge_objects(all_of) if len(all_of) > 1 else all_of[0]
            return self.convert(merged, root, hint, depth + 1) if merged else "Any"
        types = _schema_types(schema)
        if not types:
            return "Any"
        return _py_union([self._of_type(t, schema, root, hint, depth) for t in types])

    def _ref(self, ref: str, root: _Root) -> str:
        if ref in root.refs:
            return root.refs[ref]
        target = _resolve(root.schema, ref)
        if target is _MISSING:
            return "Any"
        key = _dedupe_key(target)
        if key in self._by_schema:
            root.refs[ref] = self._by_schema[key]
            return root.refs[ref]
        short = _ref_name(ref) or root.owner
        if not _is_object_with_properties(target):
            return self.convert(target, root, short, 1)
        name = self.names.claim(short, f"{root.owner}{short}")
        root.refs[ref] = self._by_schema[key] = name
        self._define(name, target, root, 1)
        return name

    def _of_type(
        self, kind: str, schema: Mapping[str, Any], root: _Root, hint: str, depth: int
    ) -> str:
        simple = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        if kind in simple:
            return simple[kind]
        if kind == "null":
            return "None"
        if kind == "array":
            items = schema.get("items")
            item = self.convert(items, root, f"{hint}Item", depth + 1) if items else "Any"
            return f"list[{item}]"
        if kind == "object":
            if _is_object_with_properties(schema):
                name = self.names.claim(hint)
                if schema is root.schema:
                    root.refs["#"] = name  # so a `{"$ref": "#"}` inside refers back
                return self._define(name, schema, root, depth)
            extra = schema.get("additionalProperties")
            value = self.convert(extra, root, f"{hint}Value", depth + 1) if extra else "Any"
            return f"dict[str, {'Any' if extra is True else value}]"
        return "Any"

    def _define(self, name: str, schema: Mapping[str, Any], root: _Root, depth: int) -> str:
        properties = schema.get("properties") or {}
        required = {r for r in schema.get("required") or () if isinstance(r, str)}
        fields = []
        for prop, sub in properties.items():
            annotation = self.convert(sub, root, f"{name}{pascal_case(prop)}", depth + 1)
            if prop not in required:
                annotation = f"NotRequired[{annotation}]"
            description = sub.get("description") if isinstance(sub, Mapping) else None
            fields.append((prop, annotation, description))
        for prop in sorted(required - set(properties)):
            fields.append((prop, "Any", None))
        doc = schema.get("description")
        self.definitions.append(_py_class(name, fields, doc if isinstance(doc, str) else None))
        return name


def _is_object_with_properties(schema: Any) -> bool:
    return (
        isinstance(schema, Mapping)
        and "object" in _schema_types(schema)
        and isinstance(schema.get("properties"), Mapping)
        and bool(schema["properties"])
    )


def _merge_objects(members: list[Any]) -> dict[str, Any] | None:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for member in members:
        if not isinstance(member, Mapping) or "$ref" in member:
            return None
        if "object" not in _schema_types(member):
            return None
        properties.update(member.get("properties") or {})
        required += [r for r in member.get("required") or () if isinstance(r, str)]
    return {"type": "object", "properties": properties, "required": required}


def _py_literal(values: list[Any]) -> str:
    allowed = [v for v in values if v is None or isinstance(v, bool | int | str)]
    if len(allowed) != len(values):
        kinds = {type(v) for v in values}
        return "float" if kinds <= {int, float} else "Any"
    literals = [json.dumps(v) if isinstance(v, str) else repr(v) for v in allowed if v is not None]
    parts = [f"Literal[{', '.join(literals)}]"] if literals else []
    if None in allowed:
        parts.append("None")
    return " | ".join(parts) or "Any"


def _py_union(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    if "Any" in unique or not unique:
        return "Any"
    return " | ".join(unique)


def _py_class(name: str, fields: list[tuple[str, str, Any]], doc: str | None) -> str:
    identifiers = all(p.isidentifier() and not keyword.iskeyword(p) for p, _, _ in fields)
    if not identifiers:
        # The functional form takes any key; its values are evaluated, so forward
        # references are strings.
        body = "".join(f"        {json.dumps(p)}: {json.dumps(a)},\n" for p, a, _ in fields)
        return f'{name} = TypedDict(\n    "{name}",\n    {{\n{body}    }},\n)\n'
    lines = [f"class {name}(TypedDict):"]
    if doc and doc.strip():
        lines.append(f'    """{_py_doc(doc)}"""\n')
    for prop, annotation, description in fields:
        comment = f"  # {_py_doc(description)}" if isinstance(description, str) else ""
        lines.append(f"    {prop}: {annotation}{comment}")
    if not fields:
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def _py_doc(text: str) -> str:
    return " ".join(text.split()).replace('"""', "'''").replace("\\", "\\\\")


def python_typed_dicts(project: Project) -> str:
    """The text of `steppe_types.py` for a loaded project."""
    converter = PythonConverter(_Names(_PY_RESERVED))
    exported: list[tuple[str, str]] = []
    for step in sorted(project.steps.values(), key=lambda s: s.name):
        base = pascal_case(step.name)
        if step.type == "api" and step.body_schema is not None:
            exported.append((f"{base}Body", converter.typed_dict(f"{base}Body", step.body_schema)))
        elif step.type == "event" and step.input_schema is not None:
            exported.append(
                (f"{base}Input", converter.typed_dict(f"{base}Input", step.input_schema))
            )
    for name, stream in sorted(project.streams.items()):
        if stream.schema is not None:
            alias = f"{pascal_case(name)}Item"
            exported.append((alias, converter.typed_dict(alias, stream.schema)))
    out = [template("steppe_types_header.py.tmpl")]
    out += [f"\n{definition}" for definition in converter.definitions]
    # A schema that is not an object with properties is an alias, not a class.
    aliases = [
        f"{name}: TypeAlias = {annotation}" for name, annotation in exported if name != annotation
    ]
    if aliases:
        out.append("\n" + "\n".join(aliases))
    return "\n".join(out).rstrip("\n") + "\n"


_PY_RESERVED = frozenset({"Any", "Literal", "NoReturn", "NotRequired", "TypeAlias", "TypedDict"})

__all__ = [
    "PYTHON_TYPES",
    "TYPES_D_TS",
    "PythonConverter",
    "TypeScriptConverter",
    "pascal_case",
    "python_typed_dicts",
    "typescript_declarations",
    "write_types",
]

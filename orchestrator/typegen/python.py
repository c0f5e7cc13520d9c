"""The text of `steppe_types.py`: a TypedDict (or an alias) for each step's request
body and event input (1.0: each http trigger's body, each queue trigger's input) and
each stream's item."""

from __future__ import annotations

from orchestrator.services.project import Project
from orchestrator.typegen.names import Names, pascal_case
from orchestrator.typegen.schema_py import PythonConverter
from orchestrator.typegen.template import template
from orchestrator.typegen.triggers import body_schemas, input_schemas

# The names the file imports from `typing`; no generated class may take them.
_PY_RESERVED = frozenset({"Any", "Literal", "NoReturn", "NotRequired", "TypeAlias", "TypedDict"})


def python_typed_dicts(project: Project) -> str:
    """The text of `steppe_types.py` for a loaded project."""
    converter = PythonConverter(Names(_PY_RESERVED))
    exported: list[tuple[str, str]] = []
    for step in sorted(project.steps.values(), key=lambda s: s.name):
        base = pascal_case(step.name)
        for kind, schemas in (("Body", body_schemas(step)), ("Input", input_schemas(step))):
            # A 1.0 step may take several: the second is `<Step>Body2`, and so on.
            for number, schema in enumerate(schemas, 1):
                name = f"{base}{kind}{number if number > 1 else ''}"
                exported.append((name, converter.typed_dict(name, schema)))
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

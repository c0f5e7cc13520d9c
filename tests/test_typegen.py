"""orchestrator/typegen/: JSON Schema → TypeScript / TypedDicts, and `steppe types`
checked with the real `tsc` and `mypy` on the steps in tests/typegen/."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orchestrator.model.step import Step
from orchestrator.services.project import Project
from orchestrator.typegen.names import Names as _Names
from orchestrator.typegen.names import pascal_case
from orchestrator.typegen.python import python_typed_dicts
from orchestrator.typegen.schema_py import PythonConverter
from orchestrator.typegen.schema_ts import TypeScriptConverter
from orchestrator.typegen.typescript import typescript_declarations
from orchestrator.typegen.walk import SchemaRoot as _Root
from orchestrator.typegen.write import write_types
from tests.helpers import TESTS_DIR
from tests.typecheck import marked_lines, tsc_errors

TYPEGEN = TESTS_DIR / "typegen"


def ts(schema: Any) -> tuple[str, dict[str, str]]:
    """The one-line TypeScript type of a schema, and the aliases its $refs made."""
    converter = TypeScriptConverter("NS", _Names())
    text = converter.convert(schema, _Root(schema, "Owner"), 1)
    flat = lambda t: re.sub(r"\s+", " ", t)  # noqa: E731
    return flat(text), {k: flat(v) for k, v in converter.aliases.items()}


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "string"),
        ({"type": "integer"}, "number"),
        ({"type": "number"}, "number"),
        ({"type": "boolean"}, "boolean"),
        ({"type": "null"}, "null"),
        ({"type": ["string", "null"]}, "string | null"),
        ({"enum": ["a", "b", 1, None]}, '"a" | "b" | 1 | null'),
        ({"const": "fixed"}, '"fixed"'),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "string | number"),
        ({"oneOf": [{"const": 1}, {"const": 2}]}, "1 | 2"),
        ({"type": "array", "items": {"type": "string"}}, "string[]"),
        ({"type": "array", "items": {"enum": ["x", "y"]}}, 'Array<"x" | "y">'),
        ({"type": "array"}, "unknown[]"),
        (
            {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
            "[string, number, ...unknown[]]",
        ),
        (
            {"type": "array", "prefixItems": [{"type": "string"}], "items": False},
            "[string]",
        ),
        ({"type": "object"}, "Record<string, unknown>"),
        ({"type": "object", "additionalProperties": False}, "Record<string, never>"),
        (
            {"type": "object", "additionalProperties": {"type": "number"}},
            "Record<string, number>",
        ),
        ({"type": "string", "nullable": True}, "string | null"),
        ({}, "unknown"),
        (True, "unknown"),
        (False, "never"),
        ({"not": {"type": "string"}}, "unknown"),
        ({"type": "wat"}, "unknown"),
        ("not a schema", "unknown"),
        ({"$ref": "https://example.com/elsewhere.json"}, "unknown"),
    ],
)
def test_typescript_of_simple_schemas(schema: Any, expected: str) -> None:
    assert ts(schema)[0] == expected


def test_typescript_objects_required_optional_nested_and_quoted_keys() -> None:
    text, _ = ts(
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "The id */ ends here"},
                "count": {"type": "integer"},
                "kebab-key": {"type": "boolean"},
                "nested": {
                    "type": "object",
                    "properties": {"deep": {"type": "array", "items": {"type": "number"}}},
                    "required": ["deep"],
                },
            },
            "required": ["id", "nested", "undeclared"],
        }
    )
    assert text == (
        "{ /** The id *\\/ ends here */ id: string; count?: number; "
        '"kebab-key"?: boolean; nested: { deep: number[]; }; undeclared: unknown; }'
    )


def test_typescript_additional_properties() -> None:
    closed, _ = ts({"type": "object", "properties": {"a": {"type": "string"}}})
    assert closed == "{ a?: string; }"
    opened, _ = ts(
        {"properties": {"a": {"type": "string"}}, "additionalProperties": True}
    )  # no "type": inferred from "properties"
    assert opened == "{ a?: string; [key: string]: unknown; }"


def test_typescript_all_of_and_unions_inside_intersections() -> None:
    text, _ = ts(
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"anyOf": [{"properties": {"b": {"type": "number"}}}, {"type": "null"}]},
            ]
        }
    )  # fmt: skip
    assert text == "{ a: string; } & ({ b?: number; } | null)"


def test_typescript_refs_to_defs_become_aliases_and_recursion_works() -> None:
    # The shape pydantic gives a model with a nested model and a self-reference.
    schema = {
        "$defs": {
            "Address": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            },
        },
        "type": "object",
        "properties": {
            "home": {"$ref": "#/$defs/Address"},
            "work": {"$ref": "#/$defs/Address"},
            "tree": {"$ref": "#/$defs/Node"},
            "missing": {"$ref": "#/$defs/Missing"},
        },
        "required": ["home"],
    }
    text, aliases = ts(schema)
    assert text == ("{ home: NS.Address; work?: NS.Address; tree?: NS.Node; missing?: unknown; }")
    assert aliases == {"Address": "{ city: string; }", "Node": "{ children?: NS.Node[]; }"}


def test_typescript_alias_of_a_recursive_root() -> None:
    converter = TypeScriptConverter("NS", _Names())
    schema = {"type": "object", "properties": {"next": {"$ref": "#"}}}
    assert converter.alias("ListInput", schema) == "NS.ListInput"
    assert re.sub(r"\s+", " ", converter.aliases["ListInput"]) == "{ next?: NS.ListInput; }"


def test_equal_defs_share_an_alias_and_different_ones_get_owner_names() -> None:
    converter = TypeScriptConverter("NS", _Names())
    a = {"type": "object", "properties": {"x": {"type": "string"}}}
    b = {"type": "object", "properties": {"y": {"type": "string"}}}
    first = {"$defs": {"Point": a}, "$ref": "#/$defs/Point"}
    same = {"$defs": {"Point": dict(a)}, "$ref": "#/$defs/Point"}
    other = {"$defs": {"Point": b}, "$ref": "#/$defs/Point"}
    converter.alias("First", first)
    converter.alias("Same", same)
    converter.alias("Other", other)
    assert converter.aliases["First"] == converter.aliases["Same"] == "NS.Point"
    assert converter.aliases["Other"] == "NS.OtherPoint"


def test_pascal_case() -> None:
    assert pascal_case("CreateOrder") == "CreateOrder"
    assert pascal_case("order.v2-create") == "OrderV2Create"
    assert pascal_case("9lives") == "T9lives"
    assert pascal_case("...") == "T"


def py(schema: Any, name: str = "Thing") -> tuple[str, list[str]]:
    converter = PythonConverter(_Names())
    annotation = converter.typed_dict(name, schema)
    return annotation, converter.definitions


def test_python_typed_dicts() -> None:
    annotation, definitions = py(
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "The id"},
                "count": {"type": "integer"},
                "ratio": {"type": "number"},
                "ok": {"type": ["boolean", "null"]},
                "kind": {"enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
                "address": {"type": "object", "properties": {"city": {"type": "string"}}},
                "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "anything": {},
            },
            "required": ["id", "count"],
        }
    )
    assert annotation == "Thing"
    assert definitions == [
        "class ThingAddress(TypedDict):\n    city: NotRequired[str]\n",
        "class Thing(TypedDict):\n"
        "    id: str  # The id\n"
        "    count: int\n"
        "    ratio: NotRequired[float]\n"
        "    ok: NotRequired[bool | None]\n"
        '    kind: NotRequired[Literal["a", "b"]]\n'
        "    tags: NotRequired[list[str]]\n"
        "    meta: NotRequired[dict[str, int]]\n"
        "    address: NotRequired[ThingAddress]\n"
        "    either: NotRequired[str | int]\n"
        "    anything: NotRequired[Any]\n",
    ]


def test_python_keys_that_are_not_identifiers_use_the_functional_form() -> None:
    _, [definition] = py(
        {"type": "object", "properties": {"from": {"type": "string"}, "a-b": {"type": "integer"}}}
    )
    assert definition == (
        'Thing = TypedDict(\n    "Thing",\n    {\n'
        '        "from": "NotRequired[str]",\n        "a-b": "NotRequired[int]",\n    },\n)\n'
    )


def test_python_refs_all_of_and_non_objects() -> None:
    annotation, definitions = py(
        {
            "$defs": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "type": "array",
            "items": {"allOf": [{"$ref": "#/$defs/Pet"}]},
        },
        "PetsBody",
    )
    assert annotation == "list[Pet]"
    assert definitions == ["class Pet(TypedDict):\n    name: NotRequired[str]\n"]
    assert py({"type": "string"})[0] == "str"
    assert py({"const": 1.5})[0] == "float"
    assert py({"enum": ["x", None]})[0] == 'Literal["x"] | None'


def _step(name: str, type_: str, language: str, **config: Any) -> Step:
    return Step(
        name=name,
        type=type_,  # type: ignore[arg-type]
        path=Path(f"/p/steps/{name}.step"),
        language=language,  # type: ignore[arg-type]
        config={"type": type_, "name": name, **config},
        handlers=frozenset({"handler"}),
    )


def _project(root: Path, *steps: Step) -> Project:
    return Project(root, steps={s.name: s for s in steps})


def test_declarations_for_a_project(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        _step("Hook", "api", "node", method="GET", path="/hooks", emits=["hooked"]),
        _step(
            "OnHook", "event", "python", subscribes=["hooked"],
            input={"type": "object", "properties": {"n": {"type": "integer"}}},
        ),
        _step("Tick", "cron", "ruby", cron="* * * * *"),
        _step("Route", "noop", "node", virtualEmits=["x"]),
    )  # fmt: skip
    text = typescript_declarations(project)
    assert "declare module 'motia' {" in text and "declare module '@motia/core' {" in text
    assert 'Hook: ApiRouteHandler<unknown, ApiResponse, TopicEvent<"hooked">, {}>;' in text
    assert "OnHook: EventHandler<SteppeTypes.OnHookInput, never>;" in text
    assert "Tick: CronHandler<never>;" in text
    assert "Route:" not in text  # a noop has no handler
    assert '"hooked": SteppeTypes.OnHookInput;' in text
    for name in ("ApiRouteConfig", "EventConfig", "CronConfig", "NoopConfig", "StepConfig"):
        assert f"export interface {name}" in text or f"export type {name}" in text
    assert "export interface StreamConfig" in text


def test_write_types_skips_python_without_python_steps_and_unchanged_files(
    tmp_path: Path,
) -> None:
    node_only = _project(tmp_path, _step("Hook", "api", "node", method="GET", path="/h"))
    assert write_types(node_only) == [tmp_path / "types.d.ts"]
    assert not (tmp_path / "steppe_types.py").exists()
    os.utime(tmp_path / "types.d.ts", (0, 0))
    write_types(node_only)
    assert (tmp_path / "types.d.ts").stat().st_mtime == 0  # same text: not rewritten
    with_python = _project(tmp_path, _step("Py", "api", "python", method="GET", path="/p"))
    assert write_types(with_python) == [tmp_path / "types.d.ts", tmp_path / "steppe_types.py"]
    assert (tmp_path / "types.d.ts").stat().st_mtime != 0


def test_generated_python_module_imports(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        _step(
            "Rec", "event", "python", subscribes=["t"],
            input={"type": "object", "properties": {"class": {"type": "string"},
                   "kids": {"type": "array", "items": {"$ref": "#"}}}},
        ),
    )  # fmt: skip
    namespace: dict[str, Any] = {}
    exec(compile(python_typed_dicts(project), "steppe_types.py", "exec"), namespace)
    assert namespace["RecInput"].__name__ == "RecInput"


@pytest.fixture(scope="module")
def typed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/typegen/ copied, with `steppe types` run on it by the real command."""
    root = tmp_path_factory.mktemp("typegen") / "project"
    shutil.copytree(TYPEGEN / "project", root)
    shutil.copytree(TYPEGEN / "checks", root / "checks")
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator", "types", "--dir", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote types.d.ts" in result.stderr and "wrote steppe_types.py" in result.stderr
    return root


def test_tsc_accepts_correct_handlers_and_rejects_each_mistake(typed_project: Path) -> None:
    returncode, errors, stdout = tsc_errors(typed_project)
    assert returncode != 0
    # The step files and good.ts type-check; bad.ts fails exactly on its marked lines.
    assert set(errors) == {"checks/bad.ts"}, stdout
    assert errors["checks/bad.ts"] == marked_lines(typed_project / "checks/bad.ts", "// error")


def test_mypy_accepts_the_typed_dicts_and_rejects_each_mistake(typed_project: Path) -> None:
    root = typed_project
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
            "--cache-dir", str(root / ".mypy_cache"),
            "steppe_types.py", "checks/good_types.py", "checks/bad_types.py",
        ],
        capture_output=True, text=True, timeout=120, cwd=root,
        env={**os.environ, "MYPYPATH": str(root)},
    )  # fmt: skip
    errors: dict[str, set[int]] = {}
    for match in re.finditer(r"^(\S+?):(\d+): error:", result.stdout, re.M):
        errors.setdefault(match[1], set()).add(int(match[2]))
    assert set(errors) == {"checks/bad_types.py"}, result.stdout
    assert errors["checks/bad_types.py"] == marked_lines(root / "checks/bad_types.py", "# error")

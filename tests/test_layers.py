"""The package's layers (docs/architecture.md, "Layers"): every import points down the
documented order or stays in its own layer, no module imports itself back through a
cycle, and each subpackage's `__init__` is either empty or re-exports deliberately."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "orchestrator"
ARCHITECTURE = REPO / "docs" / "architecture.md"

# The subpackages whose `__init__` re-exports their public names on purpose.
RE_EXPORTING = {
    "orchestrator.stores.state",
    "orchestrator.stores.queue",
    "orchestrator.stores.streams",
}


def documented_layers() -> list[set[str]]:
    """The ```layers block of docs/architecture.md: one layer a line, bottom first."""
    block = re.search(r"```layers\n(.*?)```", ARCHITECTURE.read_text(encoding="utf-8"), re.S)
    assert block, "docs/architecture.md has no ```layers block"
    return [set(line.split()) for line in block.group(1).splitlines() if line.strip()]


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), path


def imports_of(name: str, path: Path) -> set[str]:
    """The orchestrator modules `path` imports, at any depth of its code (TYPE_CHECKING
    blocks and function bodies included: a layer is a promise about every import)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            found.add(base)
            # `from orchestrator.rpc import wire` imports the module `wire`.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    known = dict(modules())
    return {m for m in found if m in known and m != name}


def layer_of(module: str, layers: list[set[str]]) -> int | None:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else None
    for index, packages in enumerate(layers):
        if top in packages:
            return index
    return None


GRAPH = {name: imports_of(name, path) for name, path in modules()}


def test_every_package_has_a_documented_layer() -> None:
    layers = documented_layers()
    unplaced = sorted(
        name
        for name in GRAPH
        if layer_of(name, layers) is None and name not in {"orchestrator", "orchestrator.__main__"}
    )
    assert unplaced == []


def test_imports_point_down_the_layers() -> None:
    layers = documented_layers()
    upward = []
    for name, imported in GRAPH.items():
        mine = layer_of(name, layers)
        if mine is None:
            continue
        for target in imported:
            theirs = layer_of(target, layers)
            if theirs is not None and theirs > mine:
                upward.append(f"{name} -> {target}")
    assert sorted(upward) == []


def test_the_import_graph_has_no_cycle() -> None:
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycles.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for target in sorted(GRAPH.get(name, ())):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(GRAPH):
        visit(name, [])
    # A package's `__init__` importing its own submodules is not a cycle of code.
    real = [c for c in cycles if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]
    assert real == []


@pytest.mark.parametrize("name", sorted(n for n, p in modules() if p.name == "__init__.py"))
def test_init_is_empty_or_re_exports_deliberately(name: str) -> None:
    path = PACKAGE.parent.joinpath(*name.split("."), "__init__.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = [
        n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
    ]
    if name == "orchestrator":
        assert importlib.import_module(name).__all__ == ["__version__"]
        return
    if name not in RE_EXPORTING:
        assert body == [], f"{name}/__init__.py should hold a docstring only"
        return
    module = importlib.import_module(name)
    exported = sorted(module.__all__)
    bound = sorted(
        alias.asname or alias.name
        for node in body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    )
    assert exported == bound, "__all__ lists exactly the names the package imports"
    for public in exported:
        value = getattr(module, public)
        assert getattr(value, "__module__", name).startswith(name + "."), public


def test_no_function_is_over_80_lines() -> None:
    """Small functions, one job each (docs/architecture.md): a long one is split."""
    long = [
        f"{name}.{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for name, path in modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 80
    ]
    assert long == []

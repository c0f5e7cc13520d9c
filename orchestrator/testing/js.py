"""How `steppe test` runs JavaScript and TypeScript specs (docs/reference.md §13).

The project's own jest, or vitest, when installed (found in `node_modules` of the
project or a folder above it); else Node's test runner with jest's globals and
TypeScript (runners/node/testing/register.mjs). Every way resolves `@motiadev/test`
and `steppe/test` to Steppe's tester (runners/node/testing/tester.cjs): jest through
NODE_PATH, vitest through an alias in a config that wraps the project's, Node through
module hooks. Files run one at a time: they share the run's one server.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from orchestrator.core.paths import RUNNERS_DIR
from orchestrator.testing.suites import Suite

TESTING_DIR = RUNNERS_DIR / "node" / "testing"
MODULES_DIR = TESTING_DIR / "modules"
_EXTENSIONS = ("js", "ts", "mjs", "cjs", "mts", "cts", "json")
JEST_CONFIGS = tuple(f"jest.config.{ext}" for ext in _EXTENSIONS)
VITEST_CONFIGS = tuple(
    f"{name}.config.{ext}" for name in ("vitest", "vite") for ext in _EXTENSIONS[:-1]
)


def js_suite(root: Path, files: list[Path], data_dir: Path) -> Suite:
    env = {
        "NODE_PATH": os.pathsep.join(filter(None, [str(MODULES_DIR), os.environ.get("NODE_PATH")]))
    }
    paths = [str(f) for f in files]
    framework = _framework(root)
    if framework is None:
        register = (TESTING_DIR / "register.mjs").as_uri()
        argv = ["node", "--import", register, "--test", "--test-concurrency=1"]
        suite = Suite("js", "node", files, [*argv, "--test-reporter=spec", *paths], root, env)
    elif framework[0] == "jest":
        argv = ["node", str(framework[1]), "--runInBand", *_jest_config(root)]
        suite = Suite("js", "jest", files, [*argv, "--runTestsByPath", *paths], root, env)
    else:
        config = _vitest_config(root, data_dir)
        argv = ["node", str(framework[1]), "run", "--config", str(config), *paths]
        suite = Suite("js", "vitest", files, argv, root, env)
    if shutil.which("node") is None:
        suite.missing = "node is not installed"
    return suite


def _framework(root: Path) -> tuple[str, Path] | None:
    """("jest" | "vitest", its command's file), preferring the one package.json declares."""
    declared = _declared(root)
    installed = {name: _bin(root, name) for name in ("jest", "vitest")}
    order = (
        ("vitest", "jest")
        if "vitest" in declared and "jest" not in declared
        else ("jest", "vitest")
    )
    for name in order:
        command = installed[name]
        if command is not None:
            return name, command
    return None


def _declared(root: Path) -> set[str]:
    manifest = _package_json(root / "package.json")
    names: set[str] = set()
    for table in ("dependencies", "devDependencies"):
        section = manifest.get(table)
        if isinstance(section, dict):
            names.update(section)
    return names


def _package_json(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _bin(root: Path, package: str) -> Path | None:
    """The package's command file, from the nearest node_modules that has it."""
    for folder in (root, *root.parents):
        manifest_path = folder / "node_modules" / package / "package.json"
        if not manifest_path.is_file():
            continue
        command = _package_json(manifest_path).get("bin")
        if isinstance(command, dict):
            command = command.get(package)
        if isinstance(command, str) and (manifest_path.parent / command).is_file():
            return (manifest_path.parent / command).resolve()
    return None


def _jest_config(root: Path) -> list[str]:
    """None of the project's own: a config with esbuild for TypeScript (jest-transform.cjs)."""
    has_own = any((root / name).is_file() for name in JEST_CONFIGS)
    if has_own or "jest" in _package_json(root / "package.json"):
        return []
    config = {
        "rootDir": str(root),
        "testEnvironment": "node",
        "transform": {r"^.+\.[cm]?tsx?$": str(TESTING_DIR / "jest-transform.cjs")},
    }
    return ["--config", json.dumps(config)]


def _vitest_config(root: Path, data_dir: Path) -> Path:
    """A config that imports the project's (if any) and adds the tester's aliases; written
    in the data folder, inside the project, so that `vitest/config` resolves from it."""
    own = next((root / name for name in VITEST_CONFIGS if (root / name).is_file()), None)
    folder = data_dir / "test"
    folder.mkdir(parents=True, exist_ok=True)
    tester = str(TESTING_DIR / "tester.mjs")
    lines = ["import { mergeConfig } from 'vitest/config'"]
    if own is not None:
        lines.append(f"import own from {json.dumps(os.path.relpath(own, folder))}")
        lines.append("const base = typeof own === 'function'")
        lines.append("  ? await own({ command: 'serve', mode: 'test' }) : own")
    else:
        lines.append("const base = {}")
    overrides = {
        "root": str(root),
        "resolve": {"alias": {"@motiadev/test": tester, "steppe/test": tester}},
        "test": {"globals": True, "fileParallelism": False},
    }
    lines.append(f"export default mergeConfig(base ?? {{}}, {json.dumps(overrides)})")
    path = folder / "vitest.config.mts"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path

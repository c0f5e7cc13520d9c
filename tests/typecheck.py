"""Running the real `tsc` over a generated project, and the lines a check file marks as
errors: shared by the typegen tests of both Motia versions."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.helpers import REPO_ROOT

NODE_MODULES = REPO_ROOT / "runners" / "node" / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"


def tsc_errors(root: Path) -> tuple[int, dict[str, set[int]], str]:
    """`tsc --noEmit` (strict) over `types.d.ts`, `steps/` and `checks/` of `root`, with
    the runner's node_modules (zod) linked in: the exit code, the lines with errors per
    file, and tsc's output."""
    assert TSC.exists(), "typescript is missing: run `npm ci` in runners/node"
    if not (root / "node_modules").exists():
        (root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    tsconfig = {
        "compilerOptions": {
            "target": "ES2022", "module": "ESNext", "moduleResolution": "bundler",
            "strict": True, "noEmit": True, "skipLibCheck": True, "types": [],
        },
        "include": ["types.d.ts", "steps/**/*.ts", "checks/*.ts"],
    }  # fmt: skip
    (root / "tsconfig.json").write_text(json.dumps(tsconfig))
    result = subprocess.run(
        [str(TSC), "-p", str(root / "tsconfig.json"), "--pretty", "false"],
        capture_output=True, text=True, timeout=60, cwd=root,
    )  # fmt: skip
    errors: dict[str, set[int]] = {}
    for match in re.finditer(r"^(\S+?)\((\d+),\d+\): error TS\d+", result.stdout, re.M):
        errors.setdefault(match[1], set()).add(int(match[2]))
    return result.returncode, errors, result.stdout


def marked_lines(path: Path, mark: str) -> set[int]:
    """The numbers of the lines of `path` that end with `mark`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {number for number, line in enumerate(lines, 1) if line.rstrip().endswith(mark)}

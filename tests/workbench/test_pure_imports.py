"""The workbench's pure parts sit below the HTTP layer (docs: layers, imports point down)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import REPO_ROOT

PURE_MODULES = ("graph", "layout", "live")


def test_the_pure_workbench_modules_load_without_quart_or_the_http_layer() -> None:
    imports = "; ".join(f"import orchestrator.workbench.{name}" for name in PURE_MODULES)
    program = f"{imports}; import sys, json; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(done.stdout)
    assert [m for m in loaded if m.split(".")[0] in ("quart", "quart_trio", "hypercorn")] == []
    assert [m for m in loaded if m.startswith("orchestrator.http")] == []

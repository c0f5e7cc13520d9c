"""`steppe-workbench.json`: where the workbench keeps the node positions a person
dragged, per flow, in the project (so they can be committed with it).

    {"version": 1,
     "flows": {"<flow>": {"direction": "LR", "nodes": {"<step>": {"x": 120, "y": 40}}}}}

A document is checked whole before it is written, and written atomically (a
temporary file in the same folder, flushed, then renamed over the old one), so a
crash or a bad request never leaves a half-written or invalid file behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

LAYOUT_FILE = "steppe-workbench.json"
VERSION = 1
MAX_BYTES = 512 * 1024
MAX_FLOWS = 500
MAX_NODES = 5000
MAX_NAME = 200
MAX_COORDINATE = 1_000_000.0
DIRECTIONS = ("LR", "TB")
"""How the flow was laid out when its positions were saved: left to right, top to bottom."""


class LayoutError(ValueError):
    """Raised for a layout document that is not what the file may hold; the text says why."""


def empty_layout() -> dict[str, Any]:
    return {"version": VERSION, "flows": {}}


def check_layout(document: Any) -> dict[str, Any]:
    """The document, normalised (x and y as numbers, nothing else kept), or LayoutError."""
    if not isinstance(document, dict):
        raise LayoutError("the layout must be a JSON object")
    unknown = sorted(set(document) - {"version", "flows"})
    if unknown:
        raise LayoutError(f"unknown field {unknown[0]!r} (expected version and flows)")
    if document.get("version", VERSION) != VERSION:
        raise LayoutError(f"version must be {VERSION}")
    flows = document.get("flows", {})
    if not isinstance(flows, dict):
        raise LayoutError("flows must be an object: {flowName: {nodes: {...}}}")
    if len(flows) > MAX_FLOWS:
        raise LayoutError(f"at most {MAX_FLOWS} flows")
    checked: dict[str, Any] = {}
    for flow, value in flows.items():
        where = f"flows.{flow}"
        _check_name(flow, where)
        if not isinstance(value, dict) or set(value) - {"nodes", "direction"}:
            raise LayoutError(f"{where} must be an object with 'nodes' (and 'direction')")
        direction = value.get("direction", "LR")
        if direction not in DIRECTIONS:
            raise LayoutError(f"{where}.direction must be one of {', '.join(DIRECTIONS)}")
        nodes = value.get("nodes", {})
        if not isinstance(nodes, dict):
            raise LayoutError(f"{where}.nodes must be an object: {{stepName: {{x, y}}}}")
        if len(nodes) > MAX_NODES:
            raise LayoutError(f"{where}.nodes: at most {MAX_NODES} nodes")
        positions: dict[str, Any] = {}
        for name, position in nodes.items():
            node_where = f"{where}.nodes.{name}"
            _check_name(name, node_where)
            positions[name] = _check_position(position, node_where)
        checked[flow] = {"direction": direction, "nodes": positions}
    return {"version": VERSION, "flows": checked}


def _check_name(name: str, where: str) -> None:
    if not name or len(name) > MAX_NAME:
        raise LayoutError(f"{where}: a name must have 1 to {MAX_NAME} characters")


def _check_position(position: Any, where: str) -> dict[str, float]:
    if not isinstance(position, dict) or set(position) != {"x", "y"}:
        raise LayoutError(f"{where} must be {{x, y}}")
    result: dict[str, float] = {}
    for axis in ("x", "y"):
        value = position[axis]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LayoutError(f"{where}.{axis} must be a number")
        if not math.isfinite(value) or abs(value) > MAX_COORDINATE:
            raise LayoutError(f"{where}.{axis} must be finite and within ±{MAX_COORDINATE:g}")
        result[axis] = round(float(value), 1)
    return result


def read_layout(root: Path) -> dict[str, Any]:
    """The saved layout; an empty one when there is no file. A file that is not a valid
    layout (edited by hand, say) reads as empty rather than breaking the graph."""
    path = root / LAYOUT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return empty_layout()
    try:
        return check_layout(json.loads(text))
    except (ValueError, RecursionError):
        return empty_layout()


def write_layout(root: Path, document: Any) -> dict[str, Any]:
    """Check, then atomically replace the file; returns what was written."""
    checked = check_layout(document)
    text = json.dumps(checked, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise LayoutError(f"the layout is larger than {MAX_BYTES} bytes")
    target = root / LAYOUT_FILE
    # The name ends in `~` so that file watchers (the dev reloader's among them) skip it.
    handle, temporary = tempfile.mkstemp(dir=root, prefix=f".{LAYOUT_FILE}.", suffix="~")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return checked

"""The workbench (SPEC §4, §8): a single-page app served at `/__steppe/`.

The page is plain ES modules, CSS and a hand-drawn SVG flow graph, shipped in
`static/` as package data: no build step, no CDN. Its data comes from the admin
API under `/__steppe/api` and one WebSocket (`/__steppe/api/live`).
"""

from orchestrator.workbench.graph import flow_graph, step_summary, topics
from orchestrator.workbench.layout import LAYOUT_FILE, LayoutError, read_layout, write_layout
from orchestrator.workbench.live import LiveClient, LiveHub, close_live_clients, live_hub_for
from orchestrator.workbench.site import STATIC_DIR, workbench_site

__all__ = [
    "LAYOUT_FILE",
    "STATIC_DIR",
    "LayoutError",
    "LiveClient",
    "LiveHub",
    "close_live_clients",
    "flow_graph",
    "live_hub_for",
    "read_layout",
    "step_summary",
    "topics",
    "workbench_site",
    "write_layout",
]

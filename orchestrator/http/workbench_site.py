"""Serving the workbench page: `/__steppe/` (index.html) and `/__steppe/static/<file>`.

Only the files shipped in `static/` can be served: the set is listed once at start,
and a request names an entry of that list, never a filesystem path, so `..`, encoded
slashes or absolute paths cannot reach anything else. Anything not listed is the
same JSON 404 as any unknown path. Deep links use the URL fragment
(`/__steppe/#/traces/<id>`), so no catch-all HTML route exists.

Only for an allowed `Host` (http/origin.py: a page served under a rebound name
would be another site's). Open in `dev`; in `start` only when STEPPE_ADMIN_TOKEN
is set (the page itself holds no data; every call it makes then needs the token).
"""

from __future__ import annotations

from pathlib import Path

import trio
from quart import Blueprint, Response, request

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.env import current_env
from orchestrator.http.origin import host_refusal
from orchestrator.http.responses import error_response, json_response

STATIC_DIR = Path(__file__).parents[1] / "workbench" / "static"
WORKBENCH_PATH = "/__steppe/"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".woff2": "font/woff2",
}

# Everything from this origin only: no CDN, no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def static_files(directory: Path = STATIC_DIR) -> dict[str, Path]:
    """Every servable file under `directory`, by its relative POSIX path."""
    files: dict[str, Path] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix in CONTENT_TYPES and not path.name.startswith("."):
            files[path.relative_to(directory).as_posix()] = path
    return files


def workbench_site(directory: Path = STATIC_DIR) -> Blueprint:
    """The page's routes, serving the files under `directory` as listed now."""
    site = Blueprint("steppe_workbench_site", __name__)
    files = static_files(directory)

    def refusal() -> Response | None:
        env = current_env()
        refused = host_refusal(request.host, env.settings)
        if refused is not None:
            return refused
        if env.mode == "start" and not env.admin_token:
            return error_response(
                403, "the workbench is off in start mode; set STEPPE_ADMIN_TOKEN", new_trace_id()
            )
        return None

    async def serve(name: str) -> Response:
        refused = refusal()
        if refused is not None:
            return refused
        path = files.get(name)
        if path is None:
            return error_response(404, f"no route for /__steppe/static/{name}", new_trace_id())
        try:
            content = await trio.Path(path).read_bytes()
        except OSError:
            return error_response(404, f"no route for /__steppe/static/{name}", new_trace_id())
        response = Response(content, content_type=CONTENT_TYPES[path.suffix])
        # Revalidated on every load: a new Steppe version is never served stale.
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "no-referrer"
        if path.suffix == ".html":
            response.headers["content-security-policy"] = CONTENT_SECURITY_POLICY
            response.headers["x-frame-options"] = "DENY"
        return response

    @site.get("/__steppe")
    async def bare() -> Response:
        refused = refusal()
        if refused is not None:
            return refused
        return json_response(
            {"location": WORKBENCH_PATH}, 308, headers={"location": WORKBENCH_PATH}
        )

    @site.get(WORKBENCH_PATH)
    async def index() -> Response:
        return await serve("index.html")

    @site.get("/__steppe/static/<path:name>")
    async def static(name: str) -> Response:
        return await serve(name)

    return site

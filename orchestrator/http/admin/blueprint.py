"""The admin API's one blueprint: its prefix, who may call it, and its resources.

Every call must name an allowed `Host`, and a change (or the live socket) must come
from the server's own page or from a client that sends no `Origin` (http/origin.py).
Then: open in `dev`; in `start` only with STEPPE_ADMIN_TOKEN: as a bearer token over
HTTP, or for a WebSocket, which a browser cannot give headers, as the subprotocol pair
`Authorization, <token>`, or `?token=`. Last, a body must be JSON (body_type.py).
"""

from __future__ import annotations

from quart import Blueprint, Response, request, websocket

from orchestrator.http.admin import (
    cron,
    events,
    live,
    queues,
    state,
    steps,
    streams,
    testing,
    traces,
)
from orchestrator.http.admin.body_type import body_type_refusal
from orchestrator.http.auth import admin_refusal, bearer, subprotocol_token
from orchestrator.http.env import current_env
from orchestrator.http.origin import STATE_CHANGING, foreign_refusal

ADMIN_PREFIX = "/__steppe/api"

admin = Blueprint("steppe_admin", __name__, url_prefix=ADMIN_PREFIX)
for resource in (steps, traces, state, streams, events, queues, cron, live, testing):
    admin.register_blueprint(resource.routes)


@admin.before_request
async def authorize() -> Response | None:
    env = current_env()
    refused = foreign_refusal(request, env.settings, changes=request.method in STATE_CHANGING)
    if refused is None:
        refused = admin_refusal(env, bearer(request.headers.get("authorization", "")))
    return refused if refused is not None else body_type_refusal(request)


@admin.before_websocket
async def authorize_socket() -> Response | None:
    """A refusal is sent as the HTTP answer to the upgrade. The live feed is read-only,
    but a page of another site must not read it: it is checked as a change."""
    env = current_env()
    refused = foreign_refusal(websocket, env.settings, changes=True)
    if refused is not None:
        return refused
    token = (
        subprotocol_token(websocket.requested_subprotocols)
        or websocket.args.get("token")
        or bearer(websocket.headers.get("authorization", ""))
    )
    return admin_refusal(env, token)

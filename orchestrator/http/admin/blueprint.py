"""The admin API's one blueprint: its prefix, who may call it, and its resources.

Open in `dev`; in `start` only with STEPPE_ADMIN_TOKEN: as a bearer token over HTTP,
or for a WebSocket, which a browser cannot give headers, as the subprotocol pair
`Authorization, <token>`, or `?token=`.
"""

from __future__ import annotations

from quart import Blueprint, Response, request, websocket

from orchestrator.http.admin import cron, events, live, state, steps, streams, testing, traces
from orchestrator.http.auth import admin_refusal, bearer, subprotocol_token
from orchestrator.http.env import current_env

ADMIN_PREFIX = "/__steppe/api"

admin = Blueprint("steppe_admin", __name__, url_prefix=ADMIN_PREFIX)
for resource in (steps, traces, state, streams, events, cron, live, testing):
    admin.register_blueprint(resource.routes)


@admin.before_request
async def authorize() -> Response | None:
    return admin_refusal(current_env(), bearer(request.headers.get("authorization", "")))


@admin.before_websocket
async def authorize_socket() -> Response | None:
    """A refusal is sent as the HTTP answer to the upgrade."""
    token = (
        subprotocol_token(websocket.requested_subprotocols)
        or websocket.args.get("token")
        or bearer(websocket.headers.get("authorization", ""))
    )
    return admin_refusal(current_env(), token)

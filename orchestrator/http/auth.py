"""Who may use the admin API and the workbench (docs/reference.md §4): anyone in `dev`; in `start`
only a caller with the STEPPE_ADMIN_TOKEN, and nobody when it is unset. And how a
WebSocket client, which a browser cannot give headers, sends its token."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from urllib.parse import parse_qs

from hypercorn.typing import HTTPScope, WebsocketScope
from quart import Response

from orchestrator.core.tracing import new_trace_id
from orchestrator.core.types import JSONMap
from orchestrator.http.env import HttpEnv
from orchestrator.http.responses import error_response

AUTH_SUBPROTOCOL = "Authorization"
"""Motia's clients send `Sec-WebSocket-Protocol: Authorization, <token>`; the server must
then agree to that subprotocol."""


def admin_refusal(env: HttpEnv, supplied_token: str | None) -> Response | None:
    """None when the caller may use the admin API; else the 401/403 to answer."""
    if env.mode == "dev":
        return None
    trace_id = new_trace_id()
    if not env.admin_token:
        return error_response(
            403, "the admin API is off in start mode; set STEPPE_ADMIN_TOKEN", trace_id
        )
    if supplied_token is None or not hmac.compare_digest(
        supplied_token.encode(), env.admin_token.encode()
    ):
        return error_response(
            401, "missing or wrong bearer token", trace_id, headers={"www-authenticate": "Bearer"}
        )
    return None


def bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def subprotocol_token(protocols: Sequence[str]) -> str | None:
    """The token after `Authorization` in a WebSocket's requested subprotocols, else None."""
    for index, name in enumerate(protocols[:-1]):
        if name.lower() == AUTH_SUBPROTOCOL.lower():
            return protocols[index + 1]
    return None


def auth_subprotocol(protocols: Sequence[str]) -> str | None:
    """The subprotocol to accept: `Authorization` as the client spelled it, if it sent it."""
    return next((p for p in protocols if p.lower() == AUTH_SUBPROTOCOL.lower()), None)


def auth_request(scope: HTTPScope | WebsocketScope) -> JSONMap:
    """What Motia 1.0's `authenticateStream` receives (its StreamAuthInput), from the ASGI
    scope of a stream socket or of a REST read (`request.scope`): header names in lower
    case (the last value of a repeated header), each query parameter's values as a list,
    and the client's address."""
    query = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    client = scope.get("client")
    return {
        "headers": {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        "path": scope["path"],
        "queryParams": {name: list(values) for name, values in query.items()},
        "addr": client[0] if client else "",
    }

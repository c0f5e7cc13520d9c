"""Who may use the admin API and the workbench (SPEC §4): anyone in `dev`; in `start`
only a caller with the STEPPE_ADMIN_TOKEN, and nobody when it is unset."""

from __future__ import annotations

import hmac

from quart import Response

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.env import HttpEnv
from orchestrator.http.responses import error_response


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
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None

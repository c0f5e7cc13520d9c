"""The JSON body of an admin request, read the same way by every route that takes one."""

from __future__ import annotations

from typing import Any

from quart import Response, request

from orchestrator.http.env import current_env
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import error_response


async def read_json_body(trace_id: str) -> Any | Response:
    """The body as JSON (None when empty), or the 400 that says why it is not: malformed,
    or nested deeper than `max_json_depth`. A parsed body is never a Response."""
    try:
        return parse_json_body(
            await request.get_data(cache=False, as_text=False),
            current_env().settings.max_json_depth,
        )
    except BadRequest as exc:
        return error_response(400, "malformed JSON", trace_id, message=str(exc))

"""JSON responses, and the error bodies of SPEC §4 (always with `traceId`)."""

from __future__ import annotations

import json
from typing import Any

from quart import Response

JSON_TYPE = "application/json"
# One encoder for every response: json.dumps with options builds a new one per call.
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_response(
    body: Any, status: int = 200, trace_id: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    response = Response(_encode_json(body), status=status, content_type=JSON_TYPE)
    if headers:
        for name, value in headers.items():
            response.headers[name] = value
    if trace_id:
        response.headers["x-trace-id"] = trace_id
    return response


def error_response(
    status: int, error: str, trace_id: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """`{error, traceId, ...extra}` with the status; extra carries message or errors."""
    body: dict[str, Any] = {"error": error, "traceId": trace_id}
    body.update({k: v for k, v in extra.items() if v is not None})
    return json_response(body, status, trace_id, headers)

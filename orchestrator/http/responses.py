"""JSON responses, and the error bodies of docs/reference.md §4 (always with `traceId`)."""

from __future__ import annotations

import json
import math
from typing import Any

from quart import Response

JSON_TYPE = "application/json"
# One encoder for every response: json.dumps with options builds a new one per call.
_strict_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def encode_json(value: Any) -> str:
    """JSON text of `value`. NaN and the infinities become null, as JSON.stringify (and
    so Express) makes them: JSON has no such numbers, and `NaN` would break the client."""
    try:
        return _strict_encode(value)
    except ValueError:
        return _strict_encode(_finite(value))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def json_response(
    body: Any, status: int = 200, trace_id: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    response = Response(encode_json(body), status=status, content_type=JSON_TYPE)
    if headers:
        for name, value in headers.items():
            response.headers[name] = value
    if trace_id:
        response.headers["x-trace-id"] = trace_id
    return response


def error_response(
    status: int, error: str, trace_id: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """`error_body(...)` with the status."""
    return json_response(error_body(error, trace_id, **extra), status, trace_id, headers)


def error_body(error: str, trace_id: str, **extra: Any) -> dict[str, Any]:
    """`{error, traceId, ...extra}`; extra carries message or errors (None is left out)."""
    body: dict[str, Any] = {"error": error, "traceId": trace_id}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def validation_error(path: str, message: str, trace_id: str) -> Response:
    """The 400 `validation failed` answer naming one field (`path`) and what is wrong."""
    return error_response(
        400, "validation failed", trace_id, errors=[{"path": path, "message": message}]
    )

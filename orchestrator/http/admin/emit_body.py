"""The body of an emit sent over HTTP (admin API, workbench): `{topic, data?}`, and
what a handler's emit may carry besides (`idempotencyKey`, `messageGroupId`,
`delaySeconds`)."""

from __future__ import annotations

from quart import Response

from orchestrator.core.errors import CallbackError
from orchestrator.http.admin.request_body import read_json_body
from orchestrator.http.responses import error_response, validation_error
from orchestrator.services.context import parse_emit
from orchestrator.services.emit_request import EmitRequest


async def read_emit_body(trace_id: str) -> EmitRequest | Response:
    """The emit the body asks for, or the 400 response that says what is wrong with it."""
    body = await read_json_body(trace_id)
    if isinstance(body, Response):
        return body
    topic = body.get("topic") if isinstance(body, dict) else None
    if not isinstance(topic, str) or not topic:
        return validation_error("topic", "a non-empty string is required", trace_id)
    assert isinstance(body, dict)
    try:
        return parse_emit(body)
    except CallbackError as exc:
        return error_response(400, "validation failed", trace_id, message=str(exc))

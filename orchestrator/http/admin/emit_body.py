"""The body of an emit sent over HTTP (admin API, workbench): `{topic, data?}`, and
what a handler's emit may carry besides (`idempotencyKey`, `messageGroupId`,
`delaySeconds`)."""

from __future__ import annotations

from quart import Request, Response

from orchestrator.core.errors import CallbackError
from orchestrator.http.env import current_env
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import error_response, validation_error
from orchestrator.services.context import EmitRequest, parse_emit


async def read_emit_body(request: Request, trace_id: str) -> EmitRequest | Response:
    """The emit the body asks for, or the 400 response that says what is wrong with it."""
    try:
        body = parse_json_body(
            await request.get_data(cache=False, as_text=False),
            current_env().settings.max_json_depth,
        )
    except BadRequest as exc:
        return error_response(400, "malformed JSON", trace_id, message=str(exc))
    topic = body.get("topic") if isinstance(body, dict) else None
    if not isinstance(topic, str) or not topic:
        return validation_error("topic", "a non-empty string is required", trace_id)
    assert isinstance(body, dict)
    try:
        return parse_emit(body)
    except CallbackError as exc:
        return error_response(400, "validation failed", trace_id, message=str(exc))

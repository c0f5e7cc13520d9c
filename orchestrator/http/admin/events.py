"""Events from outside a step, and the deliveries that gave up:

    POST /emit                publish `{topic, data}` (202 with its traceId)
    POST /emit/check          would this emit be accepted? (nothing is published)
    GET  /dlq?limit=          the dead letters (1000 by default)
    GET  /dlq/{deliveryId}    one dead letter (404 when missing)
    POST /dlq/replay          deliver again `{"ids": [...]}`, or `{"all": true}`
    POST /dlq/purge           delete them, picked the same way

An emit is checked as a step's is (EmitChecker), with no emitter to declare the topic.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from orchestrator.core.errors import CallbackError
from orchestrator.core.tracing import new_trace_id
from orchestrator.http.admin.emit_body import read_emit_body
from orchestrator.http.admin.request_body import read_json_body
from orchestrator.http.env import current_env
from orchestrator.http.responses import error_response, json_response, validation_error

routes = Blueprint("events", __name__)


@routes.post("/emit")
async def emit() -> Response:
    env = current_env()
    trace_id = env.tracer.start_trace("emit", "admin API")
    event = await read_emit_body(trace_id)
    if isinstance(event, Response):
        return event
    try:
        subscribers = env.checker.check(None, event)
    except CallbackError as exc:
        return error_response(400, "validation failed", trace_id, message=str(exc))
    accepted = await env.bus.publish(event, subscribers, trace_id, source=None)
    return json_response(
        {
            "traceId": trace_id,
            "eventId": accepted.event.id,
            "subscribers": [s.name for s in subscribers],
            "duplicate": accepted.duplicate,
        },
        202,
        trace_id,
    )


@routes.post("/emit/check")
async def emit_check() -> Response:
    """Every subscriber's verdict, where `/emit` stops at the first that refuses."""
    event = await read_emit_body(new_trace_id())
    if isinstance(event, Response):
        return event
    subscribers: list[dict[str, Any]] = [
        {
            "step": step.name,
            "language": step.language,
            "input": step.input_schema_for(event.topic),
            "errors": [e.as_json() for e in errors],
        }
        for step, errors in current_env().checker.check_subscribers(event.topic, event.data)
    ]
    return json_response(
        {
            "topic": event.topic,
            "valid": all(not s["errors"] for s in subscribers),
            "subscribers": subscribers,
        }
    )


@routes.get("/dlq")
async def dead_letters() -> Response:
    limit = request.args.get("limit", default=1000, type=int) or 1000
    return json_response([d.as_json() for d in await current_env().bus.store.dead_letters(limit)])


@routes.get("/dlq/<delivery_id>")
async def dead_letter(delivery_id: str) -> Response:
    delivery = await current_env().bus.store.dead_letter(delivery_id)
    if delivery is not None:
        return json_response(delivery.as_json())
    return error_response(404, f"no dead letter {delivery_id}", new_trace_id())


@routes.post("/dlq/replay")
async def replay() -> Response:
    ids = await _picked_ids()
    if isinstance(ids, Response):
        return ids
    revived = await current_env().bus.replay(ids)
    return json_response({"replayed": [d.id for d in revived]})


@routes.post("/dlq/purge")
async def purge() -> Response:
    ids = await _picked_ids()
    if isinstance(ids, Response):
        return ids
    return json_response({"purged": await current_env().bus.store.purge(ids)})


async def _picked_ids() -> list[str] | Response | None:
    """`{"ids": [...]}` picks dead letters; `{"all": true}` (None) takes every one."""
    trace_id = new_trace_id()
    body = await read_json_body(trace_id)
    if isinstance(body, Response):
        return body
    if isinstance(body, dict) and body.get("all") is True:
        return None
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return validation_error("ids", 'give "ids": [..] or "all": true', trace_id)
    return ids

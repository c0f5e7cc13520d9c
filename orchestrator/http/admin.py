"""The admin API under `/__steppe/api` (SPEC §4): steps, flows, traces, logs, state, emit.

Open in `dev`; in `start` only with the bearer token from STEPPE_ADMIN_TOKEN.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from orchestrator.core.errors import CallbackError
from orchestrator.core.tracing import new_trace_id
from orchestrator.http.auth import admin_refusal, bearer
from orchestrator.http.emit_body import read_emit_body
from orchestrator.http.env import HttpEnv
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import error_response, json_response
from orchestrator.model.step import Step

ADMIN_PREFIX = "/__steppe/api"


def step_json(step: Step) -> dict[str, Any]:
    return {
        "name": step.name,
        "type": step.type,
        "language": step.language,
        "path": str(step.path),
        "trigger": step.trigger,
        "flows": list(step.flows),
        "emits": [e.topic for e in step.emits],
        "subscribes": list(step.subscribes),
        "config": step.config,
    }


def admin_blueprint(env_of: Any) -> Blueprint:
    """`env_of()` returns the current HttpEnv (it changes on reload)."""
    admin = Blueprint("steppe_admin", __name__, url_prefix=ADMIN_PREFIX)

    @admin.before_request
    async def authorize() -> Response | None:
        return admin_refusal(env_of(), bearer(request.headers.get("authorization", "")))

    @admin.get("/steps")
    async def steps() -> Response:
        env: HttpEnv = env_of()
        return json_response([step_json(s) for s in env.project.steps.values()])

    @admin.get("/problems")
    async def problems() -> Response:
        env: HttpEnv = env_of()
        return json_response(
            [
                {
                    "path": str(p.path),
                    "line": p.line,
                    "field": p.field,
                    "message": p.message,
                    "severity": p.severity,
                    "text": p.describe(env.project.root),
                }
                for p in env.project.problems
            ]
        )

    @admin.get("/traces")
    async def traces() -> Response:
        env: HttpEnv = env_of()
        limit = request.args.get("limit", default=100, type=int) or 100
        return json_response([t.as_json() for t in env.tracer.recent(limit)])

    @admin.get("/traces/<trace_id>")
    async def trace(trace_id: str) -> Response:
        env: HttpEnv = env_of()
        found = env.tracer.get(trace_id)
        if found is None:
            return error_response(404, f"no trace {trace_id}", new_trace_id())
        return json_response(found.as_json())

    @admin.get("/logs")
    async def logs() -> Response:
        env: HttpEnv = env_of()
        trace_filter = request.args.get("traceId")
        entries = [e for e in env.logs.tail if not trace_filter or e["traceId"] == trace_filter]
        return json_response(entries[-1000:])

    @admin.get("/state")
    async def state_groups() -> Response:
        env: HttpEnv = env_of()
        return json_response(await env.state.groups())

    @admin.get("/state/<path:group>")
    async def state_group(group: str) -> Response:
        env: HttpEnv = env_of()
        items = await env.state.items(group)
        return json_response([{"key": key, "value": value} for key, value in items])

    @admin.post("/emit")
    async def emit() -> Response:
        env: HttpEnv = env_of()
        trace_id = env.tracer.start_trace("emit", "admin API")
        event = await read_emit_body(request, trace_id)
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

    @admin.get("/dlq")
    async def dead_letters() -> Response:
        env: HttpEnv = env_of()
        limit = request.args.get("limit", default=1000, type=int) or 1000
        return json_response([d.as_json() for d in await env.bus.store.dead_letters(limit)])

    @admin.get("/dlq/<delivery_id>")
    async def dead_letter(delivery_id: str) -> Response:
        env: HttpEnv = env_of()
        delivery = await env.bus.store.dead_letter(delivery_id)
        if delivery is not None:
            return json_response(delivery.as_json())
        return error_response(404, f"no dead letter {delivery_id}", new_trace_id())

    @admin.post("/dlq/replay")
    async def replay() -> Response:
        env: HttpEnv = env_of()
        ids = await _ids_of_request()
        if isinstance(ids, Response):
            return ids
        revived = await env.bus.replay(ids)
        return json_response({"replayed": [d.id for d in revived]})

    @admin.post("/dlq/purge")
    async def purge() -> Response:
        env: HttpEnv = env_of()
        ids = await _ids_of_request()
        if isinstance(ids, Response):
            return ids
        return json_response({"purged": await env.bus.store.purge(ids)})

    async def _ids_of_request() -> list[str] | Response | None:
        """`{"ids": [...]}` picks dead letters; `{"all": true}` takes every one."""
        trace_id = new_trace_id()
        try:
            body = parse_json_body(await request.get_data(cache=False, as_text=False))
        except BadRequest as exc:
            return error_response(400, "malformed JSON", trace_id, message=str(exc))
        if isinstance(body, dict) and body.get("all") is True:
            return None
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return error_response(
                400,
                "validation failed",
                trace_id,
                errors=[{"path": "ids", "message": 'give "ids": [..] or "all": true'}],
            )
        return ids

    return admin

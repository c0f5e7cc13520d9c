"""Traces and logs, newest last for logs:

GET /traces?limit=          the most recent traces (100 by default)
GET /traces/{traceId}       one trace with its spans (404 once forgotten)
GET /logs?traceId=          the last 1000 log entries, of one trace if asked
"""

from __future__ import annotations

from quart import Blueprint, Response, request

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.env import current_env
from orchestrator.http.responses import error_response, json_response

routes = Blueprint("traces", __name__)


@routes.get("/traces")
async def traces() -> Response:
    limit = request.args.get("limit", default=100, type=int) or 100
    return json_response([t.as_json() for t in current_env().tracer.recent(limit)])


@routes.get("/traces/<trace_id>")
async def trace(trace_id: str) -> Response:
    found = current_env().tracer.get(trace_id)
    if found is None:
        return error_response(404, f"no trace {trace_id}", new_trace_id())
    return json_response(found.as_json())


@routes.get("/logs")
async def logs() -> Response:
    trace_filter = request.args.get("traceId")
    tail = current_env().logs.tail
    entries = [e for e in tail if not trace_filter or e["traceId"] == trace_filter]
    return json_response(entries[-1000:])

"""Traces and logs, in pages (newest first for traces, oldest first for logs):

GET /traces?limit=&before=          recent traces (100 by default), older than `before`
GET /traces/{traceId}               one trace with its spans (404 once forgotten)
GET /logs?traceId=&limit=&before=   the newest log entries (1000 by default) whose `seq`
                                    is below `before`, of one trace if asked

With the queue on Redis these read every instance's traces and logs (core/deployment.py):
a trace's spans from whichever instance ran them, log entries with their `instance`.

No answer carries more than `PAGE_BYTES` of JSON, however big entries and traces get:
a page ends early instead (at least one item), and a trace too big on its own keeps
the spans that fit and says how many it left out (`spansOmitted`).
"""

from __future__ import annotations

import sys
from typing import Any

from quart import Blueprint, Response, request

from orchestrator.core.deployment import merge_traces
from orchestrator.core.logs import TAIL_ENTRIES
from orchestrator.core.tracing import Trace, new_trace_id
from orchestrator.core.truncate import cap_text, utf8_size
from orchestrator.http.env import current_env
from orchestrator.http.responses import JSON_TYPE, encode_json, error_response, json_response

routes = Blueprint("traces", __name__)

PAGE_BYTES = 4 * 1024 * 1024
"""The most JSON one answer holds: under 5 MB, with room for the brackets and commas."""
LOGS_PAGE = 1000
TRACES_PAGE = 100
TRACES_MAX = 1000


@routes.get("/traces")
async def traces() -> Response:
    limit = _count("limit", TRACES_PAGE, TRACES_MAX)
    before = request.args.get("before")
    # Every trace kept, newest first; those up to `before` are skipped.
    env = current_env()
    recent = env.tracer.recent(sys.maxsize)
    if env.shared is not None:
        recent = merge_traces(recent, await env.shared.span_records())
    if before:
        ids = [t.trace_id for t in recent]
        recent = recent[ids.index(before) + 1 :] if before in ids else []
    parts: list[str] = []
    total = 0
    for found in recent[:limit]:
        text = _trace_text(found)
        total += utf8_size(text) + 1
        if total > PAGE_BYTES and parts:
            break
        parts.append(text)
    return Response(f"[{','.join(parts)}]", status=200, content_type=JSON_TYPE)


@routes.get("/traces/<trace_id>")
async def trace(trace_id: str) -> Response:
    env = current_env()
    found = env.tracer.get(trace_id)
    if env.shared is not None:
        mine = [] if found is None else [found]
        found = next(iter(merge_traces(mine, await env.shared.span_records(trace_id))), None)
    if found is None:
        return error_response(404, f"no trace {trace_id}", new_trace_id())
    return Response(_trace_text(found), status=200, content_type=JSON_TYPE)


@routes.get("/logs")
async def logs() -> Response:
    env = current_env()
    limit = _count("limit", LOGS_PAGE, TAIL_ENTRIES)
    before = request.args.get("before", type=int)
    trace_id = request.args.get("traceId") or None
    if env.shared is not None:
        page = await env.shared.logs_page(
            limit=limit, max_bytes=PAGE_BYTES, before=before, trace_id=trace_id
        )
    else:
        page = env.logs.tail.page(
            limit=limit, max_bytes=PAGE_BYTES, before=before, trace_id=trace_id
        )
    return json_response(page)


def _count(name: str, default: int, most: int) -> int:
    """A positive count from the query (the default when missing or not a number), at
    most `most`."""
    value = request.args.get(name, default=default, type=int)
    return min(value, most) if value is not None and value > 0 else default


def _trace_text(found: Trace) -> str:
    """A trace's JSON, within PAGE_BYTES: a span's error message and stack cut to
    LINE_LIMIT, and the spans that do not fit left out (counted in `spansOmitted`)."""
    text = encode_json(found.as_json())
    if utf8_size(text) <= PAGE_BYTES:
        return text
    body = found.as_json()
    spans: list[dict[str, Any]] = body.pop("spans")
    total = utf8_size(encode_json(body)) + 64  # and the two keys added below
    kept: list[dict[str, Any]] = []
    for span in spans:
        _cap_error(span)
        total += utf8_size(encode_json(span)) + 1
        if total > PAGE_BYTES:
            break
        kept.append(span)
    return encode_json(body | {"spans": kept, "spansOmitted": len(spans) - len(kept)})


def _cap_error(span: dict[str, Any]) -> None:
    error = span.get("error")
    if isinstance(error, dict):
        span["error"] = {
            key: cap_text(value) if isinstance(value, str) else value
            for key, value in error.items()
        }

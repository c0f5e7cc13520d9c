"""REST reads of streams, the polling fallback (docs/reference.md §5):
`GET /streams/{streamName}/{groupId}` and `GET /streams/{streamName}/{groupId}/{id}`.

They answer what a WebSocket join would send as its snapshot, under the same
`canAccess` check (the token from `Authorization: Bearer` or `?authToken=`, or the
context the project's `authenticateStream` makes of the request).
"""

from __future__ import annotations

from quart import Blueprint, Response, request

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.auth import auth_request, bearer
from orchestrator.http.env import HttpEnv, current_env
from orchestrator.http.responses import error_response, json_response

streams = Blueprint("steppe_streams", __name__)


@streams.get("/streams/<stream_name>/<group_id>")
async def group(stream_name: str, group_id: str) -> Response:
    return await _read(current_env(), stream_name, group_id, None)


@streams.get("/streams/<stream_name>/<group_id>/<item_id>")
async def item(stream_name: str, group_id: str, item_id: str) -> Response:
    return await _read(current_env(), stream_name, group_id, item_id)


async def _read(env: HttpEnv, stream_name: str, group_id: str, item_id: str | None) -> Response:
    trace_id = new_trace_id()
    service = env.streams
    stream = service.streams.get(stream_name) if service is not None else None
    if service is None or stream is None:
        return error_response(404, f"no stream named '{stream_name}'", trace_id)
    subscription = {"streamName": stream_name, "groupId": group_id}
    if item_id is not None:
        subscription["id"] = item_id
    authentication = await service.auth.authenticate(auth_request(request.scope), _token())
    if authentication.refusal is not None:
        return error_response(401, authentication.refusal, trace_id)
    decision = await service.access.read(stream, subscription, authentication.context)
    if not decision.allowed:
        return error_response(403, decision.reason, trace_id)
    if item_id is None:
        return json_response(await service.get_group(stream, group_id), trace_id=trace_id)
    found = await service.get(stream, group_id, item_id)
    if found is None:
        return error_response(
            404, f"no item '{item_id}' in group '{group_id}' of stream '{stream_name}'", trace_id
        )
    return json_response(found, trace_id=trace_id)


def _token() -> str | None:
    return bearer(request.headers.get("authorization", "")) or request.args.get("authToken") or None

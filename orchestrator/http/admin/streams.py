"""Streams, the admin view (no `canAccess`: the admin token is the access):

GET /streams                    every stream, with its groups and their item counts
GET /streams/{name}/{groupId}   a group's items
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from quart import Blueprint, Response

from orchestrator.core.paths import relative_label
from orchestrator.core.tracing import new_trace_id
from orchestrator.http.env import current_env
from orchestrator.http.responses import error_response, json_response
from orchestrator.model.step import StreamDef
from orchestrator.services.streams.service import StreamsService

MAX_GROUPS = 1000
"""Groups listed per stream, the first by group id."""

routes = Blueprint("streams", __name__)


@routes.get("/streams")
async def streams() -> Response:
    env = current_env()
    service = env.streams
    answer = []
    for stream in sorted(env.project.streams.values(), key=lambda s: s.name):
        entry = _stream_json(stream, env.project.root)
        entry["groups"] = await _groups(service, stream) if service else []
        answer.append(entry)
    return json_response({"available": service is not None, "streams": answer})


@routes.get("/streams/<stream_name>/<group_id>")
async def group(stream_name: str, group_id: str) -> Response:
    env = current_env()
    service = env.streams
    stream = env.project.streams.get(stream_name)
    if service is None or stream is None:
        return error_response(404, f"no stream named {stream_name!r}", new_trace_id())
    return json_response(await service.get_group(stream, group_id))


async def _groups(service: StreamsService, stream: StreamDef) -> list[dict[str, Any]]:
    """The groups that hold live items, with their counts, and the groups someone is
    watching (so an empty group a page waits on is listed too)."""
    counts = await service.store.list_groups(stream.name, time.time(), limit=MAX_GROUPS)
    watched: dict[str, int] = {}
    for client in list(service.hub.clients):
        for channel in client.subscriptions.values():
            if channel.stream == stream.name:
                watched[channel.group] = watched.get(channel.group, 0) + 1
    groups = sorted(set(counts) | set(watched))[:MAX_GROUPS]
    return [
        {"groupId": g, "items": counts.get(g, 0), "watchers": watched.get(g, 0)} for g in groups
    ]


def _stream_json(stream: StreamDef, root: Path) -> dict[str, Any]:
    return {
        "name": stream.name,
        "file": relative_label(stream.path, root),
        "path": str(stream.path),
        "language": stream.language,
        "schema": stream.schema,
        "baseConfig": stream.base_config,
        "canAccess": "canAccess" in stream.handlers or "can_access" in stream.handlers,
        "onJoin": "onJoin" in stream.handlers,  # Motia 1.0's hooks
        "onLeave": "onLeave" in stream.handlers,
    }

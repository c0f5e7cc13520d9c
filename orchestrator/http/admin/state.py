"""State by group and key:

    GET    /state                   every group
    GET    /state/{group}           a group's items, as [{key, value}]
    PUT    /state/{group}/{key}     set a value (the body is the JSON value)
    DELETE /state/{group}/{key}     delete it (404 when missing)

For PUT and DELETE, group and key are single path segments: a `/` in either is sent
as `%2F`.
"""

from __future__ import annotations

from urllib.parse import unquote

from quart import Blueprint, Response, request

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.env import current_env
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import error_response, json_response, validation_error
from orchestrator.services.state_writes import StateWriter

routes = Blueprint("state", __name__)


@routes.get("/state")
async def groups() -> Response:
    return json_response(await current_env().state.groups())


@routes.get("/state/<path:group>")
async def group_items(group: str) -> Response:
    items = await current_env().state.items(group)
    return json_response([{"key": key, "value": value} for key, value in items])


@routes.put("/state/<path:address>")
async def set_value(address: str) -> Response:
    env = current_env()
    found = _address()
    if isinstance(found, Response):
        return found
    group, key = found
    raw = await request.get_data(cache=False, as_text=False)
    if not raw.strip():
        return validation_error("body", "the body is the value to store, as JSON", new_trace_id())
    try:
        value = parse_json_body(raw, env.settings.max_json_depth)
    except BadRequest as exc:
        return error_response(400, "malformed JSON", new_trace_id(), message=str(exc))
    stored = await StateWriter(env.state, env.changes).set(group, key, value, None)
    env.logs.write("info", f"state {group}/{key} set from the workbench", source="workbench")
    return json_response({"group": group, "key": key, "value": stored})


@routes.delete("/state/<path:address>")
async def delete_value(address: str) -> Response:
    env = current_env()
    found = _address()
    if isinstance(found, Response):
        return found
    group, key = found
    await request.get_data(cache=False)
    old = await StateWriter(env.state, env.changes).delete(group, key, None)
    if old is None:  # a missing key (state has no stored null: get answers None for both)
        return error_response(404, f"no key {key!r} in group {group!r}", new_trace_id())
    env.logs.write("info", f"state {group}/{key} deleted from the workbench", source="workbench")
    return json_response({"group": group, "key": key, "old": old})


def _address() -> tuple[str, str] | Response:
    """(group, key) from the raw path, each one segment, percent-decoded: the decoded
    path the route matched has lost which `/` were sent as `%2F`."""
    rule = request.url_rule.rule if request.url_rule is not None else ""
    fixed = rule.split("<", 1)[0].count("/")  # "/__steppe/api/state/" → 4
    raw = request.scope.get("raw_path") or request.path.encode()
    rest = raw.decode("utf-8", errors="replace").split("?", 1)[0].split("/")[fixed:]
    if len(rest) != 2 or not rest[0] or not rest[1]:
        return validation_error(
            "path",
            "expected /state/{group}/{key}, with any '/' in them sent as %2F",
            new_trace_id(),
        )
    return unquote(rest[0]), unquote(rest[1])

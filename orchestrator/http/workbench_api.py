"""The admin endpoints the workbench adds under `/__steppe/api` (SPEC §4, §8).

    GET    /workbench/info          project name, mode, what is available
    GET    /workbench/layout        node positions from steppe-workbench.json
    PUT    /workbench/layout        check and save them (atomically)
    GET    /flows                   every flow as nodes and edges
    GET    /topics                  every topic: emitters, subscribers, their input schemas
    POST   /emit/check              would this emit be accepted? (nothing is published)
    PUT    /state/{group}/{key}     set a value (the body is the JSON value)
    DELETE /state/{group}/{key}     delete it (404 when missing)
    GET    /cron                    cron steps with their next run and last run
    POST   /cron/{name}/run         run a cron step now (202 with its traceId)
    GET    /streams                 streams, their groups and item counts
    GET    /streams/{name}/{group}  a group's items (the admin view: no canAccess)
    WS     /live                    log entries and finished spans as they happen

Group and key are single path segments: a `/` in either is sent as `%2F`.
The same rule as the rest of the admin API: open in `dev`; in `start` only with
STEPPE_ADMIN_TOKEN, as a bearer token (HTTP), or for the WebSocket, which a
browser cannot give headers, as the subprotocol pair `Authorization, <token>`
or `?token=`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

import trio
from quart import Blueprint, Response, Websocket, current_app, request, websocket
from quart_trio import QuartTrio

from orchestrator.core.errors import SteppeError
from orchestrator.core.paths import relative_label
from orchestrator.core.tracing import Trace, new_trace_id
from orchestrator.http.auth import admin_refusal, bearer
from orchestrator.http.emit_body import read_emit_body
from orchestrator.http.env import HttpEnv
from orchestrator.http.json_body import BadRequest, parse_json_body
from orchestrator.http.responses import error_response, json_response
from orchestrator.model.schedule import CronExpressionError, schedule
from orchestrator.model.step import Step, StreamDef
from orchestrator.model.validation import DataValidator
from orchestrator.services.streams.service import StreamsService
from orchestrator.stores.streams.memory import MemoryStreamStore
from orchestrator.stores.streams.sqlite import SqliteStreamStore
from orchestrator.workbench.graph import flow_graph, step_summary, topics
from orchestrator.workbench.layout import LAYOUT_FILE, LayoutError, read_layout, write_layout
from orchestrator.workbench.live import LiveClient, encode, live_hub_for

API_PREFIX = "/__steppe/api"
AUTH_SUBPROTOCOL = "Authorization"
LAYOUT_BODY_LIMIT = 512 * 1024
MAX_GROUPS = 1000


def _validation_error(path: str, message: str, trace_id: str | None = None) -> Response:
    return error_response(
        400,
        "validation failed",
        trace_id or new_trace_id(),
        errors=[{"path": path, "message": message}],
    )


def _socket_token(ws: Websocket) -> str | None:
    """`Sec-WebSocket-Protocol: Authorization, <token>`, else `?token=`, else a bearer header."""
    protocols = ws.requested_subprotocols
    for index, name in enumerate(protocols[:-1]):
        if name.lower() == AUTH_SUBPROTOCOL.lower():
            return protocols[index + 1]
    return ws.args.get("token") or bearer(ws.headers.get("authorization", ""))


def _trace_summary(trace: Trace | None) -> dict[str, Any] | None:
    return None if trace is None else trace.summary_json()


def _state_address(prefix_segments: int) -> tuple[str, str] | Response:
    """(group, key) from the raw path: each one segment, percent-decoded."""
    raw = request.scope.get("raw_path") or request.path.encode()
    segments = raw.decode("utf-8", errors="replace").split("?", 1)[0].split("/")
    rest = segments[prefix_segments:]
    if len(rest) != 2 or not rest[0] or not rest[1]:
        return _validation_error(
            "path", "expected /state/{group}/{key}, with any '/' in them sent as %2F"
        )
    return unquote(rest[0]), unquote(rest[1])


def _next_run(step: Step, now: datetime) -> dict[str, Any]:
    try:
        due: datetime = schedule(step.cron, now).get_next(datetime)
    except CronExpressionError as exc:
        return {"nextRun": None, "nextRunAt": None, "error": str(exc)}
    return {"nextRun": due.isoformat(), "nextRunAt": due.timestamp()}


def _last_runs(env: HttpEnv) -> dict[str, dict[str, Any]]:
    """The most recent cron-triggered trace of each step still in the tracer's memory."""
    found: dict[str, dict[str, Any]] = {}
    for trace in env.tracer.recent(1000):  # newest first
        if trace.trigger != "cron" or not trace.spans:
            continue
        name = trace.spans[0].step
        if name not in found:
            found[name] = {
                "traceId": trace.trace_id,
                "start": trace.started,
                "status": trace.status,
                "durationMs": trace.duration_ms,
            }
    return found


async def _stream_groups(service: StreamsService, stream: StreamDef) -> list[dict[str, Any]]:
    """The groups that hold live items, with their counts, plus the groups someone is
    watching. The store interface has no listing, so this asks the two stores Steppe
    ships directly; another store shows only the watched groups."""
    now = time.time()
    counts: dict[str, int] = {}
    store = service.store
    # Read through the stores' internals, so defensively: a store that changed shape
    # shows the watched groups only, rather than failing the whole list.
    memory_groups = getattr(store, "_groups", None)
    worker = getattr(store, "_worker", None)
    if isinstance(store, MemoryStreamStore) and isinstance(memory_groups, dict):
        for (name, group), entries in list(memory_groups.items()):
            live = sum(1 for e in entries.values() if e.live(now))
            if name == stream.name and live:
                counts[group] = live
    elif isinstance(store, SqliteStreamStore) and worker is not None:
        with contextlib.suppress(sqlite3.Error):
            counts.update(await worker.run(_sqlite_group_counts, stream.name, now))
    watched: dict[str, int] = {}
    for client in list(service.hub.clients):
        for channel in client.subscriptions.values():
            if channel.stream == stream.name:
                watched[channel.group] = watched.get(channel.group, 0) + 1
    groups = sorted(set(counts) | set(watched))[:MAX_GROUPS]
    return [
        {"groupId": g, "items": counts.get(g, 0), "watchers": watched.get(g, 0)} for g in groups
    ]


def _sqlite_group_counts(connection: Any, stream: str, now: float) -> dict[str, int]:
    rows = connection.execute(
        "SELECT group_id, COUNT(*) FROM stream_items WHERE stream = ? "
        "AND (expires_at IS NULL OR expires_at > ?) GROUP BY group_id ORDER BY group_id LIMIT ?",
        (stream, now, MAX_GROUPS),
    ).fetchall()
    return {str(group): int(count) for group, count in rows}


def _stream_json(stream: StreamDef, root: Any) -> dict[str, Any]:
    file = relative_label(stream.path, root)
    return {
        "name": stream.name,
        "file": file,
        "path": str(stream.path),
        "language": stream.language,
        "schema": stream.schema,
        "baseConfig": stream.base_config,
        "canAccess": "canAccess" in stream.handlers or "can_access" in stream.handlers,
    }


def workbench_api_blueprint(env_of: Callable[[], HttpEnv]) -> Blueprint:
    """`env_of()` returns the current HttpEnv (it changes on reload)."""
    api = Blueprint("steppe_workbench_api", __name__, url_prefix=API_PREFIX)
    prefix_segments = API_PREFIX.count("/") + 2  # "", __steppe, api, state

    @api.before_request
    async def authorize() -> Response | None:
        return admin_refusal(env_of(), bearer(request.headers.get("authorization", "")))

    # The page

    @api.get("/workbench/info")
    async def info() -> Response:
        env = env_of()
        project = env.project
        return json_response(
            {
                "project": project.root.name,
                "root": str(project.root),
                "mode": env.mode,
                "layoutFile": LAYOUT_FILE,
                "streams": env.streams is not None,
                "counts": {
                    "steps": len(project.steps),
                    "streams": len(project.streams),
                    "problems": len(project.problems),
                },
            }
        )

    @api.get("/workbench/layout")
    async def get_layout() -> Response:
        root = env_of().project.root
        return json_response(await trio.to_thread.run_sync(read_layout, root))

    @api.put("/workbench/layout")
    async def put_layout() -> Response:
        root = env_of().project.root
        trace_id = new_trace_id()
        if (request.content_length or 0) > LAYOUT_BODY_LIMIT:
            return error_response(413, "layout too large", trace_id)
        try:
            body = parse_json_body(await request.get_data(cache=False, as_text=False))
        except BadRequest as exc:
            return error_response(400, "malformed JSON", trace_id, message=str(exc))
        try:
            saved = await trio.to_thread.run_sync(write_layout, root, body)
        except LayoutError as exc:
            return _validation_error("layout", str(exc), trace_id)
        except OSError as exc:
            return error_response(500, "the layout could not be saved", trace_id, message=str(exc))
        return json_response(saved)

    # Flows and topics

    @api.get("/flows")
    async def flows() -> Response:
        return json_response(flow_graph(env_of().project))

    @api.get("/topics")
    async def topic_list() -> Response:
        return json_response(topics(env_of().project))

    @api.post("/emit/check")
    async def emit_check() -> Response:
        env = env_of()
        trace_id = new_trace_id()
        event = await read_emit_body(request, trace_id)
        if isinstance(event, Response):
            return event
        topic, data = event.topic, event.data
        subscribers = []
        for step in env.project.steps.values():
            if topic not in step.subscribes:
                continue
            schema = step.input_schema
            errors = [e.as_json() for e in DataValidator(schema).errors(data)] if schema else []
            subscribers.append(
                {"step": step.name, "language": step.language, "input": schema, "errors": errors}
            )
        return json_response(
            {
                "topic": topic,
                "valid": all(not s["errors"] for s in subscribers),
                "subscribers": subscribers,
            }
        )

    # State

    @api.route("/state/<path:address>", methods=["PUT"])
    async def state_set(address: str) -> Response:
        env = env_of()
        found = _state_address(prefix_segments)
        if isinstance(found, Response):
            return found
        group, key = found
        raw = await request.get_data(cache=False, as_text=False)
        if not raw.strip():
            return _validation_error("body", "the body is the value to store, as JSON")
        try:
            value = parse_json_body(raw)
        except BadRequest as exc:
            return error_response(400, "malformed JSON", new_trace_id(), message=str(exc))
        stored = await env.state.set(group, key, value)
        env.logs.write("info", f"state {group}/{key} set from the workbench", source="workbench")
        return json_response({"group": group, "key": key, "value": stored})

    @api.route("/state/<path:address>", methods=["DELETE"])
    async def state_delete(address: str) -> Response:
        env = env_of()
        found = _state_address(prefix_segments)
        if isinstance(found, Response):
            return found
        group, key = found
        await request.get_data(cache=False)
        old = await env.state.delete(group, key)
        if old is None:  # a missing key (state has no stored null: get answers None for both)
            return error_response(404, f"no key {key!r} in group {group!r}", new_trace_id())
        env.logs.write(
            "info", f"state {group}/{key} deleted from the workbench", source="workbench"
        )
        return json_response({"group": group, "key": key, "old": old})

    # Cron

    @api.get("/cron")
    async def cron_steps() -> Response:
        env = env_of()
        now = datetime.now(UTC)
        last = _last_runs(env)
        answer = []
        for step in sorted(env.project.steps.values(), key=lambda s: s.name):
            if step.type != "cron":
                continue
            answer.append(
                {
                    **step_summary(step, env.project.root),
                    **_next_run(step, now),
                    "lastRun": last.get(step.name),
                }
            )
        return json_response(answer)

    @api.post("/cron/<name>/run")
    async def cron_run(name: str) -> Response:
        env = env_of()
        await request.get_data(cache=False)
        step = env.project.steps.get(name)
        if step is None or step.type != "cron":
            return error_response(404, f"no cron step named {name!r}", new_trace_id())
        trace_id = env.tracer.start_trace("cron", f"{step.cron} (run now)")

        async def run() -> None:
            try:
                await env.invoker.invoke(step, trace_id)
            except SteppeError as exc:
                env.logs.write(
                    "error", f"cron run failed: {exc}", step=step.name, trace_id=trace_id
                )

        cast(QuartTrio, current_app).nursery.start_soon(run)
        env.logs.write(
            "info", "cron run started from the workbench", step=step.name, trace_id=trace_id,
            source="workbench",
        )  # fmt: skip
        return json_response({"traceId": trace_id, "step": step.name}, 202, trace_id)

    # Streams

    @api.get("/streams")
    async def streams() -> Response:
        env = env_of()
        service = env.streams
        answer = []
        for stream in sorted(env.project.streams.values(), key=lambda s: s.name):
            entry = _stream_json(stream, env.project.root)
            entry["groups"] = await _stream_groups(service, stream) if service else []
            answer.append(entry)
        return json_response({"available": service is not None, "streams": answer})

    @api.get("/streams/<stream_name>/<group_id>")
    async def stream_group(stream_name: str, group_id: str) -> Response:
        env = env_of()
        service = env.streams
        stream = env.project.streams.get(stream_name)
        if service is None or stream is None:
            return error_response(404, f"no stream named {stream_name!r}", new_trace_id())
        return json_response(await service.get_group(stream, group_id))

    # Live

    @api.websocket("/live")
    async def live() -> Response | None:
        env = env_of()
        # The object itself, not the context-local proxy: the pump task runs outside this one.
        ws: Websocket = cast(Any, websocket)._get_current_object()
        refused = admin_refusal(env, _socket_token(ws))
        if refused is not None:
            return refused  # sent as the HTTP answer to the upgrade
        asked = [p for p in ws.requested_subprotocols if p.lower() == AUTH_SUBPROTOCOL.lower()]
        await ws.accept(subprotocol=asked[0] if asked else None)
        hub = live_hub_for(env.logs, lambda trace_id: _trace_summary(env_of().tracer.get(trace_id)))
        client = hub.connect()
        client.offer(encode({"type": "hello", "mode": env.mode, "project": env.project.root.name}))
        try:
            with client.cancel_scope:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(_pump, client, ws)
                    while True:
                        await ws.receive()  # the page sends nothing we act on
        finally:
            hub.disconnect(client)
        return None

    return api


async def _pump(client: LiveClient, ws: Websocket) -> None:
    async for text in client.receive:
        await ws.send(text)
        dropped = client.take_dropped()
        if dropped:
            await ws.send(encode({"type": "dropped", "count": dropped}))

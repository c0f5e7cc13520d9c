"""Where the time of one API request goes, measured in-process (no sockets, no wrk):
CPU time of the orchestrator's thread per request for each layer on its own, so that
the layers can be compared in one run. The runner's own time is the invoke's wall
time minus its CPU time here (the orchestrator waits for the pipe meanwhile)."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import trio
from hypercorn.typing import (
    ASGIFramework,
    ASGIReceiveEvent,
    ASGISendEvent,
    ConnectionState,
    HTTPScope,
)
from quart import Response
from quart_trio import QuartTrio

from bench.projects import BENCH_PROJECT
from orchestrator.http.app import create_app
from orchestrator.http.json_body import parse_json_body
from orchestrator.model.settings import Settings
from orchestrator.model.validation import DataValidator, normalize_schema
from orchestrator.rpc import wire
from orchestrator.wiring.server import open_services

BODY = {"productId": "sku-42", "quantity": 2, "amount": 19.99, "currency": "usd"}
BODY_SCHEMA = normalize_schema(
    {"productId": "string", "quantity": "number", "amount": "number", "currency": "string"}
)


async def _per_call(call: Callable[[], Awaitable[Any]], count: int) -> dict[str, float]:
    for _ in range(min(200, count)):
        await call()
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(count):
        await call()
    return {
        "cpu_us": (time.thread_time() - cpu) / count * 1e6,
        "wall_us": (time.perf_counter() - wall) / count * 1e6,
    }


def _sync_per_call(call: Callable[[], Any], count: int) -> float:
    began = time.thread_time()
    for _ in range(count):
        call()
    return (time.thread_time() - began) / count * 1e6


async def asgi_get(app: ASGIFramework, path: str) -> None:
    """One GET through an ASGI app as Hypercorn would call it, without a server or a
    socket (Quart's test client would add its own costs, as large as the app's)."""
    scope: HTTPScope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 3000), "extensions": {},
        "state": ConnectionState({}),
    }  # fmt: skip
    asked = False

    async def receive() -> ASGIReceiveEvent:
        nonlocal asked
        if asked:  # Quart keeps listening for a disconnect until it has answered
            await trio.sleep_forever()
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: ASGISendEvent) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise RuntimeError(f"{path} answered {message['status']}")

    await app(scope, receive, send)


async def breakdown(count: int) -> dict[str, Any]:
    bare = QuartTrio("bare")

    @bare.get("/ping")
    async def ping() -> Response:
        return Response(json.dumps({"ok": True}), status=200, content_type="application/json")

    out: dict[str, Any] = {"bare_route": await _per_call(lambda: asgi_get(bare, "/ping"), count)}
    settings = replace(Settings(), port=0, state="memory", queue="memory")
    async with open_services(BENCH_PROJECT, settings, "start", console_level="error") as s:
        app = create_app(s.env)
        out["api_step_ts"] = await _per_call(lambda: asgi_get(app, "/ping/ts"), count)
        step = s.runtime.project.steps["PingTs"]
        request: dict[str, Any] = {"body": None, "headers": {}, "pathParams": {}, "queryParams": {}}
        out["invoke_ts"] = await _per_call(
            lambda: s.env.invoker.invoke(step, "0" * 32, request), count
        )
    raw = json.dumps(BODY).encode()
    validator = DataValidator(BODY_SCHEMA)
    frame = wire.encode_request(1, "invoke", {"iid": 1, "input": {"body": BODY}})
    out["json_parse_us"] = _sync_per_call(lambda: parse_json_body(raw), count)
    out["validate_us"] = _sync_per_call(lambda: validator.errors(BODY), count)
    out["msgpack_encode_us"] = _sync_per_call(
        lambda: wire.encode_request(1, "invoke", {"iid": 1, "input": {"body": BODY}}), count
    )
    out["msgpack_decode_us"] = _sync_per_call(lambda: wire.Decoder().feed(frame), count)
    return out


def run_breakdown(quick: bool) -> dict[str, Any]:
    return trio.run(breakdown, 1000 if quick else 5000)


def breakdown_markdown(figures: dict[str, Any] | None) -> list[str]:
    if not figures:
        return []
    bare, api, invoke = figures["bare_route"], figures["api_step_ts"], figures["invoke_ts"]
    rows = [
        ("bare Quart-Trio route (called as ASGI: no server, no socket)", bare["cpu_us"]),
        ("TS API step, same way (served beside Quart, not through it)", api["cpu_us"]),
        ("  of which the invoke (polling the pipe while the runner works included)",
         invoke["cpu_us"]),
        ("  of which Steppe's HTTP layer and scheduling",
         api["cpu_us"] - invoke["cpu_us"]),
        ("invoke round trip, wall time", invoke["wall_us"]),
        ("JSON parse of a 4-field body", figures["json_parse_us"]),
        ("bodySchema validation of it (compiled check; jsonschema only for errors)",
         figures["validate_us"]),
        ("msgpack encode of an invoke", figures["msgpack_encode_us"]),
        ("msgpack decode of it", figures["msgpack_decode_us"]),
    ]  # fmt: skip
    lines = ["", "| per request (orchestrator thread CPU) | µs |", "|---|---|"]
    lines += [f"| {label} | {value:.1f} |" for label, value in rows]
    return [*lines, ""]

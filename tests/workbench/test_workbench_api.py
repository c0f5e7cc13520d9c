"""The workbench's endpoints on the real server: the page and its static files, flows,
topics, emit checks, state edits, cron, streams, the layout file, the live socket,
and the token rule of `steppe start`."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import trio
from trio_websocket import ConnectionClosed, ConnectionRejected, open_websocket_url

from orchestrator.core.logs import LogSink
from orchestrator.http.workbench_site import STATIC_DIR, static_files
from orchestrator.model.schedule import schedule
from orchestrator.workbench.layout import LAYOUT_FILE
from orchestrator.workbench.live import LiveHub
from tests.helpers import REPO_ROOT, serving, wait_for

API = "/__steppe/api"
# Admin bodies must say they are JSON (a 415 otherwise: tests/reliability/test_cross_origin.py).
JSON_TYPE = {"content-type": "application/json"}

HELLO_STEP = """
config = {"type": "api", "name": "Hello", "method": "POST", "path": "/hello",
          "emits": ["hello.said"], "flows": ["demo"]}

async def handler(req, context):
    context.logger.info("hello from the step", {"who": (req.body or {}).get("who")})
    await context.emit({"topic": "hello.said", "data": {}})
    return {"status": 200, "body": {"ok": True}}
"""

GREET_STEP = """
config = {"type": "event", "name": "Greet", "subscribes": ["hello.said"], "emits": [],
          "flows": ["demo"]}

async def handler(data, context):
    context.logger.info("greeted")
"""

CHAT_STREAM = """
config = {
    "name": "chat",
    "schema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
    "baseConfig": {"storageType": "default"},
}
"""

POST_MESSAGE_STEP = """
config = {"type": "api", "name": "PostMessage", "method": "POST",
          "path": "/rooms/:room/messages", "emits": []}

async def handler(req, context):
    item = await context.streams.chat.set(req.path_params["room"], req.body["id"],
                                          {"text": req.body["text"]})
    return {"status": 201, "body": item}
"""


def ws_url(base: str, path: str) -> str:
    return "ws" + base.removeprefix("http") + path


async def raw_get(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET `path` exactly as written (no client normalises `..` or `%2e` away)."""
    parts = urlsplit(base)
    stream = await trio.open_tcp_stream(parts.hostname or "127.0.0.1", parts.port or 80)
    async with stream:
        request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n"
        await stream.send_all(request.encode())
        data = b""
        with trio.fail_after(10):
            while b"\r\n\r\n" not in data:
                data += await stream.receive_some(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
            while len(body) < int(headers.get("content-length", 0)):
                body += await stream.receive_some(65536)
    return int(lines[0].split()[1]), headers, body


# The page and its files


async def test_page_and_static_files_are_served_and_nothing_else(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    async with serving(project) as (_, client):
        page = await client.get("/__steppe/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert '<script type="module" src="/__steppe/static/js/app.js">' in page.text

        bare = await client.get("/__steppe")
        assert bare.status_code == 308 and bare.headers["location"] == "/__steppe/"

        script = await client.get("/__steppe/static/js/app.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert script.headers["x-content-type-options"] == "nosniff"
        style = await client.get("/__steppe/static/style.css")
        assert style.headers["content-type"].startswith("text/css")

        for path in (
            "/__steppe/static/nope.js",
            "/__steppe/static/js",  # a folder
            "/__steppe/static/../../pyproject.toml",
            "/__steppe/static/%2e%2e/%2e%2e/pyproject.toml",
            "/__steppe/static/js/..%2f..%2f..%2fpyproject.toml",
            "/__steppe/static/%2Fetc%2Fpasswd",
            "/__steppe/static//etc/passwd",
            "/__steppe/static/js/../../site.py",
            "/__steppe/static/..%5c..%5csite.py",
            "/__steppe/nope",
            "/__steppe/index.html",
            "/no/such/page",
            "/favicon.ico",
        ):
            status, headers, body = await raw_get(client.base_url.__str__(), path)
            assert status == 404, (path, status)
            assert headers["content-type"] == "application/json", path
            assert json.loads(body)["error"], path
            assert b"<html" not in body.lower()


def test_every_module_the_page_imports_is_shipped() -> None:
    """Each `import … from './x.js'` in the static files names a shipped file, and every
    file the page links to exists: a typo would only show in a browser otherwise."""
    files = static_files()
    assert "index.html" in files and "js/app.js" in files
    for name, path in files.items():
        if not name.endswith(".js"):
            continue
        for target in re.findall(r"from '(\.{1,2}/[^']+)'", path.read_text(encoding="utf-8")):
            resolved = (path.parent / target).resolve().relative_to(STATIC_DIR.resolve())
            assert resolved.as_posix() in files, f"{name} imports {target}"
    index = files["index.html"].read_text(encoding="utf-8")
    for link in re.findall(r'(?:href|src)="/__steppe/static/([^"]+)"', index):
        assert link in files, link
    assert "http://" not in index and "https://" not in index  # no CDN


# Flows, topics, emit checks, cron


async def test_flows_topics_emit_check_and_cron_of_the_example_project() -> None:
    async with serving(REPO_ROOT) as (services, client):
        info = (await client.get(f"{API}/workbench/info")).json()
        assert info["mode"] == "dev" and info["counts"]["steps"] >= 12
        assert info["layoutFile"] == LAYOUT_FILE

        flows = {f["id"]: f for f in (await client.get(f"{API}/flows")).json()["flows"]}
        assert {"ecommerce", "pet-store"} <= set(flows)
        pet = flows["pet-store"]
        nodes = {n["id"]: n for n in pet["nodes"]}
        assert nodes["FulfillOrder"]["languageName"] == "Ruby"
        assert nodes["FulfillOrder"]["file"] == "steps/fulfill-order.step.rb"
        assert nodes["CreatePet"]["method"] == "POST" and nodes["CreatePet"]["apiPath"] == "/pets"
        assert nodes["AuditOverdueOrders"]["cron"] == "*/5 * * * *"
        edges = {(e["source"], e["target"], e["topic"]): e for e in pet["edges"]}
        food = edges[("OrderFood", "FulfillOrder", "food.ordered")]
        assert food["virtual"] is False and food["conditional"] is False
        # A real emit into a virtual subscription (noop step) is a virtual edge.
        assert edges[("AuditOverdueOrders", "OverdueNoop", "order.overdue")]["virtual"] is True
        dangling = {(u["source"], u["topic"]): u for u in pet["unconnected"]}
        assert dangling[("OverdueNoop", "owner.contacted")]["virtual"] is True
        assert ("CreatePet", "pet.created") in dangling
        shop = flows["ecommerce"]
        failed = next(u for u in shop["unconnected"] if u["topic"] == "payment.failed")
        assert failed["conditional"] is True and "MOCK decline" in failed["label"]
        assert {(e["source"], e["target"]) for e in shop["edges"]} == {
            ("CreateOrder", "ProcessPayment"),
            ("ProcessPayment", "AnalyzeOrder"),
            ("AnalyzeOrder", "GenerateReport"),
        }

        topics = {t["topic"]: t for t in (await client.get(f"{API}/topics")).json()}
        processed = topics["payment.processed"]
        assert [s["step"] for s in processed["subscribers"]] == ["AnalyzeOrder"]
        assert processed["subscribers"][0]["input"]["required"] == [
            "orderId",
            "amount",
            "productId",
        ]
        assert topics["payment.failed"]["emitters"][0]["conditional"] is True

        check = await client.post(
            f"{API}/emit/check", json={"topic": "payment.processed", "data": {"orderId": 7}}
        )
        assert check.status_code == 200
        verdict = check.json()
        assert verdict["valid"] is False
        errors = {e["path"] for e in verdict["subscribers"][0]["errors"]}
        assert errors == {"orderId", "amount", "productId"}
        good = {"orderId": "o1", "amount": 3, "productId": "p"}
        check = await client.post(
            f"{API}/emit/check", json={"topic": "payment.processed", "data": good}
        )
        assert check.json()["valid"] is True
        nobody = await client.post(f"{API}/emit/check", json={"topic": "nobody.listens"})
        assert nobody.json() == {"topic": "nobody.listens", "valid": True, "subscribers": []}
        malformed = await client.post(f"{API}/emit/check", content=b"{nope", headers=JSON_TYPE)
        assert malformed.status_code == 400
        assert (await client.post(f"{API}/emit/check", json={"data": 1})).status_code == 400
        assert services.bus.store is not None and not await services.bus.store.pending()

        before = datetime.now(UTC)
        crons = {c["name"]: c for c in (await client.get(f"{API}/cron")).json()}
        assert all(c["type"] == "cron" for c in crons.values())
        audit = crons["AuditOverdueOrders"]
        expected = schedule("*/5 * * * *", before).get_next(datetime)
        assert abs(audit["nextRunAt"] - expected.timestamp()) <= 300
        assert audit["nextRunAt"] > before.timestamp() and audit["lastRun"] is None

        run = await client.post(f"{API}/cron/AuditOverdueOrders/run")
        assert run.status_code == 202
        trace_id = run.json()["traceId"]

        def finished() -> bool:
            trace = services.env.tracer.get(trace_id)
            return trace is not None and trace.status == "ok"

        await wait_for(finished)
        trace = services.env.tracer.get(trace_id)
        assert trace is not None and trace.trigger == "cron"
        assert [s.step for s in trace.spans] == ["AuditOverdueOrders"]
        crons = {c["name"]: c for c in (await client.get(f"{API}/cron")).json()}
        last = crons["AuditOverdueOrders"]["lastRun"]
        assert last["traceId"] == trace_id and last["status"] == "ok"
        assert (await client.post(f"{API}/cron/Nope/run")).status_code == 404
        assert (await client.post(f"{API}/cron/CreatePet/run")).status_code == 404


# State


async def test_state_values_are_set_and_deleted_by_group_and_key(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    async with serving(project) as (services, client):
        state = services.env.state
        # Slashes, colons, spaces and percent signs are one segment each, encoded.
        group, key = "orders/2024", "a:b c%d"
        address = f"{API}/state/orders%2F2024/a%3Ab%20c%25d"
        put = await client.put(address, json={"status": "paid", "n": [1, 2]})
        assert put.status_code == 200
        assert put.json() == {"group": group, "key": key, "value": {"status": "paid", "n": [1, 2]}}
        assert await state.get(group, key) == {"status": "paid", "n": [1, 2]}
        listed = (await client.get(f"{API}/state/orders%2F2024")).json()
        assert listed == [{"key": key, "value": {"status": "paid", "n": [1, 2]}}]
        assert (await client.put(address, json="just text")).json()["value"] == "just text"
        assert await state.get(group, key) == "just text"

        assert (await client.put(address, content=b"{broken", headers=JSON_TYPE)).status_code == 400
        assert (await client.put(address, content=b"")).status_code == 400
        too_deep = await client.put(f"{API}/state/g/k/extra", json=1)
        assert too_deep.status_code == 400 and "%2F" in too_deep.json()["errors"][0]["message"]
        assert (await client.put(f"{API}/state/only-group", json=1)).status_code == 400

        deleted = await client.delete(address)
        assert deleted.status_code == 200 and deleted.json()["old"] == "just text"
        assert await state.get(group, key) is None
        again = await client.delete(address)
        assert again.status_code == 404 and again.json()["traceId"]
        assert group not in await state.groups()


# The layout file


async def test_layout_is_validated_and_written_atomically(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    layout_file = project / LAYOUT_FILE
    async with serving(project) as (_, client):
        assert (await client.get(f"{API}/workbench/layout")).json() == {"version": 1, "flows": {}}
        good = {"version": 1, "flows": {"demo": {"nodes": {"Hello": {"x": 10.26, "y": -40}}}}}
        saved = await client.put(f"{API}/workbench/layout", json=good)
        assert saved.status_code == 200
        expected = {
            "version": 1,
            "flows": {"demo": {"direction": "LR", "nodes": {"Hello": {"x": 10.3, "y": -40.0}}}},
        }
        assert saved.json() == expected
        assert json.loads(layout_file.read_text()) == expected
        assert (await client.get(f"{API}/workbench/layout")).json() == expected
        on_disk = layout_file.read_bytes()

        for bad in (
            [],
            {"version": 2, "flows": {}},
            {"flows": {"demo": {"nodes": {"Hello": {"x": "1", "y": 2}}}}},
            {"flows": {"demo": {"nodes": {"Hello": {"x": 1}}}}},
            {"flows": {"demo": {"nodes": {"Hello": {"x": 1, "y": 2, "z": 3}}}}},
            {"flows": {"demo": {"nodes": {"Hello": {"x": True, "y": 2}}}}},
            {"flows": {"demo": {"nodes": {"Hello": {"x": 1e300, "y": 2}}}}},
            {"flows": {"demo": {"direction": "diagonal", "nodes": {}}}},
            {"flows": {"demo": {"nodes": [], "colour": "red"}}},
            {"flows": {"": {"nodes": {}}}},
            {"flows": [], "extra": 1},
        ):
            refused = await client.put(f"{API}/workbench/layout", json=bad)
            assert refused.status_code == 400, bad
            assert refused.json()["errors"][0]["path"] == "layout"
        refused = await client.put(
            f"{API}/workbench/layout", content=b'{"flows": {', headers=JSON_TYPE
        )
        assert refused.status_code == 400
        huge = {"flows": {f"f{i}": {"nodes": {}} for i in range(501)}}
        assert (await client.put(f"{API}/workbench/layout", json=huge)).status_code == 400
        # Nothing half-written, and no temporary file left behind.
        assert layout_file.read_bytes() == on_disk
        assert sorted(p.name for p in project.iterdir() if "workbench" in p.name) == [LAYOUT_FILE]

        layout_file.write_text("{not json")  # edited by hand, badly
        assert (await client.get(f"{API}/workbench/layout")).json() == {"version": 1, "flows": {}}


# The live feed


async def test_live_socket_pushes_log_entries_and_finished_spans(
    make_project: Callable[..., Path],
) -> None:
    project = make_project({"steps/hello.step.py": HELLO_STEP, "steps/greet.step.py": GREET_STEP})
    async with (
        serving(project) as (services, client),
        open_websocket_url(ws_url(services.url, f"{API}/live")) as ws,
    ):
        hello = json.loads(await ws.get_message())
        assert hello["type"] == "hello" and hello["mode"] == "dev"
        response = await client.post("/hello", json={"who": "workbench"})
        trace_id = response.headers["x-trace-id"]
        seen: dict[str, Any] = {}
        with trio.fail_after(10):
            while len(seen) < 3:
                message = json.loads(await ws.get_message())
                entry = message.get("entry") or {}
                if message["type"] == "log" and entry.get("msg") == "hello from the step":
                    seen["log"] = entry
                if message["type"] in ("span", "trace"):
                    seen[message["type"]] = message
        assert seen["log"]["traceId"] == trace_id and seen["log"]["step"] == "Hello"
        assert seen["log"]["fields"] == {"who": "workbench"}
        # The request's trace when it answered, and the event step's span in it.
        request = seen["trace"]["trace"]
        assert request["traceId"] == trace_id
        assert request["trigger"] == {"type": "http", "detail": "POST /hello"}
        span = seen["span"]
        assert span["span"]["step"] == "Greet" and span["span"]["status"] == "ok"
        assert span["trace"]["traceId"] == trace_id and span["trace"]["spanCount"] == 2


async def test_a_slow_live_client_loses_entries_not_memory() -> None:
    logs = LogSink(None, None)
    hub = LiveHub(logs, lambda _: None, buffer=3)
    client = hub.connect()
    for n in range(10):
        logs.write("info", f"entry {n}")
    received = [json.loads(client.receive.receive_nowait())["entry"]["msg"] for _ in range(3)]
    assert received == ["entry 0", "entry 1", "entry 2"]
    assert client.take_dropped() == 7 and client.take_dropped() == 0
    logs.write("info", "after the gap")  # the page caught up: it gets entries again
    assert json.loads(client.receive.receive_nowait())["entry"]["msg"] == "after the gap"
    hub.close_all()
    assert not hub.clients and client.cancel_scope.cancel_called
    logs.write("info", "nobody listens")  # the sink no longer calls the hub


async def test_live_sockets_do_not_hold_up_a_stop(make_project: Callable[..., Path]) -> None:
    """An open page must not keep the server waiting for its graceful timeout."""
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    closed = trio.Event()
    async with trio.open_nursery() as nursery:
        async with serving(project, shutdown_grace=5.0) as (services, _):
            connected = trio.Event()

            async def page() -> None:
                async with open_websocket_url(ws_url(services.url, f"{API}/live")) as ws:
                    await ws.get_message()
                    connected.set()
                    with contextlib.suppress(ConnectionClosed):
                        while True:
                            await ws.get_message()
                closed.set()

            nursery.start_soon(page)
            await connected.wait()
            began = trio.current_time()
        assert trio.current_time() - began < 3.0
    assert closed.is_set()


# Streams


async def test_streams_list_groups_and_items(make_project: Callable[..., Path]) -> None:
    project = make_project(
        {"steps/chat_stream.py": CHAT_STREAM, "steps/post_message.step.py": POST_MESSAGE_STEP}
    )
    async with serving(project) as (services, client):
        listed = (await client.get(f"{API}/streams")).json()
        assert listed["available"] is True
        [chat] = listed["streams"]
        assert chat["name"] == "chat" and chat["file"] == "steps/chat_stream.py"
        assert chat["schema"]["required"] == ["text"] and chat["groups"] == []
        for room, n in (("lobby", 1), ("lobby", 2), ("kitchen", 1)):
            posted = await client.post(
                f"/rooms/{room}/messages", json={"id": f"m{n}", "text": f"hi {n}"}
            )
            assert posted.status_code == 201, posted.text
        [chat] = (await client.get(f"{API}/streams")).json()["streams"]
        assert chat["groups"] == [
            {"groupId": "kitchen", "items": 1, "watchers": 0},
            {"groupId": "lobby", "items": 2, "watchers": 0},
        ]
        items = (await client.get(f"{API}/streams/chat/lobby")).json()
        assert items == [{"text": "hi 1", "id": "m1"}, {"text": "hi 2", "id": "m2"}]
        assert (await client.get(f"{API}/streams/nope/lobby")).status_code == 404

        # A group someone watches is listed even while it is empty.
        async with open_websocket_url(ws_url(services.url, "/__streams")) as ws:
            join = {"streamName": "chat", "groupId": "empty-room", "subscriptionId": "s1"}
            await ws.send_message(json.dumps({"type": "join", "data": join}))
            sync = json.loads(await ws.get_message())
            assert sync["event"] == {"type": "sync", "data": []}
            [chat] = (await client.get(f"{API}/streams")).json()["streams"]
            assert {"groupId": "empty-room", "items": 0, "watchers": 1} in chat["groups"]


async def test_stream_groups_are_listed_from_sqlite_too(make_project: Callable[..., Path]) -> None:
    project = make_project(
        {"steps/chat_stream.py": CHAT_STREAM, "steps/post_message.step.py": POST_MESSAGE_STEP}
    )
    async with serving(project, state="sqlite") as (_, client):
        await client.post("/rooms/attic/messages", json={"id": "a", "text": "up here"})
        [chat] = (await client.get(f"{API}/streams")).json()["streams"]
        assert chat["groups"] == [{"groupId": "attic", "items": 1, "watchers": 0}]


# The token rule of `steppe start`


async def test_start_mode_needs_the_token_everywhere(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPPE_ADMIN_TOKEN", "s3cret-token")
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    async with serving(project, mode="start") as (services, client):
        good = {"authorization": "Bearer s3cret-token"}
        wrong = {"authorization": "Bearer nope"}
        for path in ("/steps", "/traces", "/flows", "/cron", "/streams", "/workbench/layout"):
            assert (await client.get(f"{API}{path}")).status_code == 401, path
            assert (await client.get(f"{API}{path}", headers=wrong)).status_code == 401, path
            assert (await client.get(f"{API}{path}", headers=good)).status_code == 200, path
        refused = await client.put(f"{API}/state/g/k", json=1)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert await services.env.state.get("g", "k") is None
        assert (await client.put(f"{API}/state/g/k", json=1, headers=good)).status_code == 200
        assert (await client.post(f"{API}/emit/check", json={"topic": "t"})).status_code == 401
        put_layout = await client.put(f"{API}/workbench/layout", json={"flows": {}})
        assert put_layout.status_code == 401 and not (project / LAYOUT_FILE).exists()
        # The page itself holds no data: it loads, then asks for the token.
        assert (await client.get("/__steppe/")).status_code == 200

        live = ws_url(services.url, f"{API}/live")
        for attempt in (live, f"{live}?token=nope"):
            with pytest.raises(ConnectionRejected) as rejected:
                async with open_websocket_url(attempt):
                    pass
            assert rejected.value.status_code == 401
        async with open_websocket_url(f"{live}?token=s3cret-token") as ws:
            assert json.loads(await ws.get_message())["mode"] == "start"
        async with open_websocket_url(live, subprotocols=["Authorization", "s3cret-token"]) as ws:
            assert ws.subprotocol == "Authorization"
            assert json.loads(await ws.get_message())["type"] == "hello"


async def test_start_mode_without_a_token_turns_the_workbench_off(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STEPPE_ADMIN_TOKEN", raising=False)
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    async with serving(project, mode="start") as (services, client):
        for path in ("/__steppe/", "/__steppe/static/js/app.js", f"{API}/flows", f"{API}/steps"):
            answer = await client.get(path)
            assert answer.status_code == 403, path
            assert answer.headers["content-type"] == "application/json"
            assert "STEPPE_ADMIN_TOKEN" in answer.json()["error"]
        with pytest.raises(ConnectionRejected) as rejected:
            async with open_websocket_url(ws_url(services.url, f"{API}/live")):
                pass
        assert rejected.value.status_code == 403
        assert (await client.post("/hello", json={})).status_code == 200  # the API still serves


async def test_unknown_paths_are_json_404_in_start_mode_too(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPPE_ADMIN_TOKEN", "t")
    project = make_project({"steps/hello.step.py": HELLO_STEP})
    async with serving(project, mode="start") as (_, client):
        for path in ("/nope", "/__steppe/static/nope.css", "/__steppe/other"):
            answer = await client.get(path)
            assert answer.status_code == 404 and answer.headers["content-type"] == (
                "application/json"
            )

"""A web page the developer visits must not drive `/__steppe/` on localhost (issue 15,
item 1): changes and the live socket only from the server's own page (or a client
that sends no Origin: `steppe emit`, curl), JSON bodies only, and only for an allowed
`Host` (DNS rebinding). API steps, `/openapi.json` and stream sockets stay open.

Motia has none of this: its Express app answers every route, `/__motia` included, with
`Access-Control-Allow-Origin: *` (packages/core/src/server.ts), and its stream socket
server checks no Origin (packages/core/src/socket-server.ts), which is why stream
sockets keep accepting other origins here. Every test runs in `dev` and in `start`
(with STEPPE_ADMIN_TOKEN set and sent).
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import trio
from trio_websocket import ConnectionRejected, open_websocket_url

from orchestrator.model.settings import load_settings
from orchestrator.wiring.server import Services
from tests.helpers import serving, wait_for

API = "/__steppe/api"
TOKEN = "s3cret-admin-token"
EVIL = "https://evil.example"

HELLO = """
config = {"type": "api", "name": "Hello", "method": "GET", "path": "/hello", "emits": []}

async def handler(req, context):
    return {"status": 200, "body": {"hello": req["headers"].get("host")}}
"""

JOB = """
import uuid

config = {
    "type": "event", "name": "Job", "subscribes": ["job"], "emits": [],
    "infrastructure": {"queue": {"maxRetries": 0}},
}

async def handler(data, context):
    # A key per call: deliveries run concurrently, so a read-modify-write would lose some.
    await context.state.set("job", uuid.uuid4().hex, data)
    if data.get("fail"):
        raise RuntimeError("asked to fail")
"""

TICK = """
config = {"type": "cron", "name": "Tick", "cron": "0 0 1 1 *", "emits": []}

async def handler(context):
    await context.state.set("tick", "ran", True)
"""

CHAT = """
config = {"name": "chat", "schema": {"type": "object"}, "baseConfig": {"storageType": "default"}}
"""

FILES = {
    "steps/hello.step.py": HELLO,
    "steps/job.step.py": JOB,
    "steps/tick.step.py": TICK,
    "steps/chat.stream.py": CHAT,
}


@pytest.fixture(params=["dev", "start"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("STEPPE_ADMIN_TOKEN", TOKEN)
    return str(request.param)


@asynccontextmanager
async def served(
    project: Path, mode: str, **overrides: Any
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """The project served in `mode`; the client sends the admin token in `start`."""
    async with serving(project, mode, **overrides) as (services, client):
        if mode == "start":
            client.headers["authorization"] = f"Bearer {TOKEN}"
        yield services, client


def ws_url(services: Services, path: str) -> str:
    return "ws" + services.url.removeprefix("http") + path


def live_socket(services: Services, mode: str, headers: dict[str, str]) -> Any:
    """The live-log socket, with the token as a browser sends it in `start`."""
    return open_websocket_url(
        ws_url(services, f"{API}/live"),
        subprotocols=["Authorization", TOKEN] if mode == "start" else None,
        extra_headers=[(k.encode(), v.encode()) for k, v in headers.items()],
    )


async def upgrade_status(services: Services, path: str, headers: dict[str, str]) -> int:
    """The status answering a WebSocket upgrade sent with `headers`, Host included (a
    WebSocket client always sends the host it dialed, so this one is written by hand)."""
    address = urlsplit(services.url)
    lines = [
        f"GET {path} HTTP/1.1",
        "upgrade: websocket",
        "connection: Upgrade",
        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    stream = await trio.open_tcp_stream(address.hostname or "", address.port or 80)
    async with stream:
        await stream.send_all(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = await stream.receive_some()
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


async def calls(services: Services) -> list[Any]:
    """The data of every call of the Job step so far, in no particular order."""
    return [data for _, data in await services.env.state.items("job")]


async def changes(client: httpx.AsyncClient, headers: dict[str, str]) -> list[httpx.Response]:
    """Every kind of change the issue names, sent with `headers`."""
    return [
        await client.post(f"{API}/emit", json={"topic": "job", "data": {"n": 1}}, headers=headers),
        # The attack as a page can send it without a preflight: a text/plain body.
        await client.post(
            f"{API}/emit",
            content=json.dumps({"topic": "job", "data": {"n": 2}}),
            headers={**headers, "content-type": "text/plain"},
        ),
        await client.post(f"{API}/dlq/replay", json={"all": True}, headers=headers),
        await client.post(f"{API}/dlq/purge", json={"all": True}, headers=headers),
        await client.post(f"{API}/cron/Tick/run", headers=headers),
        await client.put(f"{API}/state/g/k", json=1, headers=headers),
        await client.delete(f"{API}/state/g/seed", headers=headers),
    ]


async def test_changes_from_another_sites_page_are_refused_and_nothing_happens(
    make_project: Callable[..., Path], mode: str
) -> None:
    async with served(make_project(FILES), mode) as (services, client):
        failed = await client.post(f"{API}/emit", json={"topic": "job", "data": {"fail": True}})
        assert failed.status_code == 202, failed.text
        await services.bus.wait_idle()
        [dead] = await services.bus.store.dead_letters()
        await services.env.state.set("g", "seed", 1)

        foreign = [
            {"origin": EVIL},
            {"origin": "null"},  # a sandboxed frame or a file:// page
            {"origin": EVIL, "sec-fetch-site": "cross-site"},
            {"sec-fetch-site": "cross-site"},  # no Origin, but a browser says where from
            # Another local dev server is same-site to the browser, yet not this server.
            {"origin": "http://localhost:5173", "sec-fetch-site": "same-site"},
        ]
        for headers in foreign:
            for answer in await changes(client, headers):
                assert answer.status_code == 403, (headers, answer.request.url, answer.text)
                body = answer.json()
                assert body["error"] == "cross-origin request refused" and body["traceId"]
                assert "Origin" in body["message"]

        await services.bus.wait_idle()
        assert await calls(services) == [{"fail": True}]  # nothing emitted or replayed
        assert [d.id for d in await services.bus.store.dead_letters()] == [dead.id]
        assert await services.env.state.get("g", "k") is None
        assert await services.env.state.get("g", "seed") == 1
        await trio.sleep(0.3)  # a cron run would have started by now
        assert await services.env.state.get("tick", "ran") is None


async def test_the_same_changes_without_an_origin_or_from_the_own_page_are_served(
    make_project: Callable[..., Path], mode: str
) -> None:
    async with served(make_project(FILES), mode) as (services, client):
        own = services.url
        for headers in ({}, {"origin": own}, {"origin": own, "sec-fetch-site": "same-origin"}):
            await client.post(f"{API}/emit", json={"topic": "job", "data": {"fail": True}})
            await services.bus.wait_idle()
            emitted = await client.post(
                f"{API}/emit", json={"topic": "job", "data": {"ok": 1}}, headers=headers
            )
            assert emitted.status_code == 202, (headers, emitted.text)
            replayed = await client.post(f"{API}/dlq/replay", json={"all": True}, headers=headers)
            assert replayed.status_code == 200 and len(replayed.json()["replayed"]) == 1
            await services.bus.wait_idle()
            purged = await client.post(f"{API}/dlq/purge", json={"all": True}, headers=headers)
            assert purged.json() == {"purged": 1}, (headers, purged.text)
            ran = await client.post(f"{API}/cron/Tick/run", headers=headers)
            assert ran.status_code == 202, (headers, ran.text)
            await wait_for(lambda: services.env.state.get("tick", "ran"))
            await services.env.state.delete("tick", "ran")
            put = await client.put(f"{API}/state/g/k", json=1, headers=headers)
            assert put.status_code == 200, (headers, put.text)
        # Each round: the failing job, the emitted one, the failing job replayed.
        assert len(await calls(services)) == 9

        # `steppe emit` itself, which sends no Origin.
        cli = [sys.executable, "-m", "orchestrator", "emit", "job", "--data", '{"cli": 1}']
        emitted = await trio.run_process(
            [*cli, "--url", services.url],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
        assert emitted.returncode == 0, emitted.stderr
        await services.bus.wait_idle()
        assert {"cli": 1} in await calls(services)


async def test_admin_bodies_must_be_json(make_project: Callable[..., Path], mode: str) -> None:
    async with served(make_project(FILES), mode) as (services, client):
        text = json.dumps({"topic": "job", "data": {"n": 1}})
        for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
            answer = await client.post(
                f"{API}/emit", content=text, headers={"content-type": content_type}
            )
            assert answer.status_code == 415, (content_type, answer.text)
            assert answer.json()["error"] == "unsupported media type"
            assert "application/json" in answer.json()["message"]
        put = await client.put(
            f"{API}/state/g/k", content="1", headers={"content-type": "text/plain"}
        )
        assert put.status_code == 415
        await services.bus.wait_idle()
        assert await calls(services) == []
        assert await services.env.state.get("g", "k") is None

        for content_type in ("application/json; charset=utf-8", "application/vnd.steppe+json"):
            answer = await client.post(
                f"{API}/emit", content=text, headers={"content-type": content_type}
            )
            assert answer.status_code == 202, (content_type, answer.text)
        # No body, no type needed: the workbench's "run now" sends none.
        assert (await client.post(f"{API}/cron/Tick/run")).status_code == 202


async def test_a_foreign_host_is_refused_on_steppe_routes_but_api_steps_serve_it(
    make_project: Callable[..., Path], mode: str
) -> None:
    async with served(make_project(FILES), mode) as (services, client):
        port = services.url.rsplit(":", 1)[1]
        evil = {"host": f"evil.example:{port}"}
        for path in (f"{API}/steps", "/__steppe/", "/__steppe/static/js/api.js", "/__steppe"):
            answer = await client.get(path, headers=evil)
            assert answer.status_code == 403, (path, answer.text)
            body = answer.json()
            assert body["error"] == "host not allowed" and body["traceId"]
            assert "evil.example" in body["message"] and "allowed_hosts" in body["message"]
        # A rebound page is same-origin with itself, so the Host check is what stops it.
        rebound = {**evil, "origin": f"http://evil.example:{port}"}
        refused = await client.post(f"{API}/emit", json={"topic": "job"}, headers=rebound)
        assert refused.status_code == 403 and refused.json()["error"] == "host not allowed"
        live = {**rebound, "sec-websocket-protocol": f"Authorization, {TOKEN}"}
        assert await upgrade_status(services, f"{API}/live", live) == 403
        assert await upgrade_status(services, "/__streams", live) == 101

        hello = await client.get("/hello", headers=evil)
        assert hello.status_code == 200 and hello.json() == {"hello": f"evil.example:{port}"}
        assert (await client.get("/openapi.json", headers=evil)).status_code == 200
        assert (await client.get("/streams/chat/lobby", headers=evil)).status_code != 403

        for host in (f"localhost:{port}", "app.localhost", "127.0.0.2", f"[::1]:{port}"):
            answer = await client.get(f"{API}/steps", headers={"host": host})
            assert answer.status_code == 200, (host, answer.text)
        await services.bus.wait_idle()
        assert await calls(services) == []


async def test_allowed_hosts_lets_those_names_in(
    make_project: Callable[..., Path], mode: str
) -> None:
    project = make_project(
        {**FILES, "steppe.toml": 'allowed_hosts = ["app.example", ".corp.example"]\n'}
    )
    allowed = load_settings(project).allowed_hosts
    async with served(project, mode, allowed_hosts=allowed) as (_, client):
        for host in ("app.example", "App.Example:8080", "corp.example", "ci.corp.example"):
            assert (await client.get(f"{API}/steps", headers={"host": host})).status_code == 200
            page = await client.get("/__steppe/", headers={"host": host})
            assert page.status_code == 200, (host, page.text)
        for host in ("evil.example", "app.example.evil", "notcorp.example"):
            assert (await client.get(f"{API}/steps", headers={"host": host})).status_code == 403
    async with served(project, mode, allowed_hosts=("*",)) as (_, client):
        assert (
            await client.get(f"{API}/steps", headers={"host": "any.example"})
        ).status_code == 200


async def test_the_live_socket_is_same_origin_only_and_stream_sockets_are_not(
    make_project: Callable[..., Path], mode: str
) -> None:
    async with served(make_project(FILES), mode) as (services, _):
        for foreign in ({"origin": EVIL}, {"sec-fetch-site": "cross-site"}):
            with pytest.raises(ConnectionRejected) as rejected:
                async with live_socket(services, mode, foreign):
                    pass
            assert rejected.value.status_code == 403
        for own in ({"origin": services.url}, {}):
            async with live_socket(services, mode, own) as ws:
                assert json.loads(await ws.get_message())["type"] == "hello"

        # A front end on another origin keeps its stream socket (canAccess guards it).
        async with open_websocket_url(
            ws_url(services, "/__streams"), extra_headers=[(b"origin", EVIL.encode())]
        ) as ws:
            join = {"streamName": "chat", "groupId": "lobby", "subscriptionId": "s1"}
            await ws.send_message(json.dumps({"type": "join", "data": join}))
            assert json.loads(await ws.get_message())["event"] == {"type": "sync", "data": []}

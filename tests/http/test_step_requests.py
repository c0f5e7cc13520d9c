"""API step requests served outside Quart: which requests go where, bodies read from the
ASGI server, and what reaches the wire. Real server, real Python runner, raw sockets
where the HTTP framing itself is under test."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import trio
import trio.testing
from hypercorn.typing import ASGIReceiveCallable, ASGIReceiveEvent

from orchestrator.http.api import BodyTimeout, BodyTooLarge
from orchestrator.http.step_requests import AsgiBody, ClientGone
from tests.helpers import serving, wait_for

ECHO = """
config = {"type": "api", "name": "Echo", "method": "POST", "path": "/echo"}

async def handler(req, context):
    return {"status": 200, "body": req}
"""
STEPS = {
    "steps/echo.step.py": ECHO,
    "steps/read.step.py": """
config = {"type": "api", "name": "Read", "method": "GET", "path": "/read/:id"}

async def handler(req, context):
    return {"status": 200, "body": {"id": req["pathParams"]["id"]}}
""",
    "steps/nothing.step.py": """
config = {"type": "api", "name": "Nothing", "method": "DELETE", "path": "/things/:id"}

async def handler(req, context):
    return {"status": 204, "body": {"ignored": True}}
""",
    "steps/png.step.py": """
config = {"type": "api", "name": "Png", "method": "GET", "path": "/static/dot.png"}

async def handler(req, context):
    return {"status": 200, "body": b"\\x89PNG\\r\\n", "headers": {"Content-Type": "image/png"}}
""",
    "steps/stream_post.step.py": """
config = {"type": "api", "name": "StreamPost", "method": "POST", "path": "/streams/:a/:b"}

async def handler(req, context):
    return {"status": 202, "body": req["pathParams"]}
""",
    "steps/slow.step.py": """
import asyncio
config = {"type": "api", "name": "SlowWrite", "method": "GET", "path": "/slow-write"}

async def handler(req, context):
    await asyncio.sleep(0.3)
    await context.state.set("slow", "done", True)
    return {"status": 200, "body": "late"}
""",
}


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _exchange(port: int, requests: list[bytes | tuple[bytes, bytes]]) -> list[bytes]:
    """Send each request on one keep-alive connection, reading each answer (framed by
    its content-length, none meaning no body) before sending the next. A request given
    as (head, body) has its body sent a moment after its head, as a slow client would."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        buffered = b""
        for request in requests:
            if isinstance(request, tuple):
                sock.sendall(request[0])
                time.sleep(0.1)
                sock.sendall(request[1])
            else:
                sock.sendall(request)
            while b"\r\n\r\n" not in buffered:
                buffered += sock.recv(65536)
            head, _, buffered = buffered.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(buffered) < length:
                buffered += sock.recv(65536)
            answers.append(head + b"\r\n\r\n" + buffered[:length])
            buffered = buffered[length:]
    return answers


async def test_fixed_routes_stay_quarts_and_every_other_path_is_the_steps(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project({**STEPS, "static/dot.png": "a file beside the project"})
    # Quart would serve a `static/` folder of the working directory, shadowing steps.
    monkeypatch.chdir(project)
    async with serving(project) as (_, client):
        png = await client.get("/static/dot.png")
        assert png.content == b"\x89PNG\r\n" and png.headers["content-type"] == "image/png"
        # POST on a streams-REST-like path is a step's; GET on it is the streams REST.
        posted = await client.post("/streams/s/g", json={})
        assert posted.status_code == 202 and posted.json() == {"a": "s", "b": "g"}
        fixed = await client.get("/streams/s/g")
        assert fixed.status_code == 404 and "no stream named 's'" in fixed.json()["error"]
        assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")
        # Under a fixed route's prefix, what no fixed route answers is the API router's.
        unknown = await client.get("/__steppe/api/nothing")
        assert unknown.status_code == 404
        assert unknown.json()["error"] == "no route for /__steppe/api/nothing"


async def test_a_204_has_no_body_and_the_connection_serves_the_next_request(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(STEPS)) as (services, _):
        deleted, read = await trio.to_thread.run_sync(
            _exchange,
            _port(services.url),
            [
                b"DELETE /things/1 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /read/2 HTTP/1.1\r\nHost: x\r\n\r\n",
            ],
        )
    head = deleted.lower()
    assert head.startswith(b"http/1.1 204") and b"x-trace-id:" in head
    assert b"content-length" not in head and b"content-type" not in head
    assert read.startswith(b"HTTP/1.1 200") and read.endswith(b'{"id":"2"}')


async def test_bodies_that_arrive_late_and_go_unused_keep_the_connection_alive(
    make_project: Callable[..., Path],
) -> None:
    body = b'{"some": "thing"}'
    head = b"Host: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    async with serving(make_project(STEPS)) as (services, _):
        answers = await trio.to_thread.run_sync(
            _exchange,
            _port(services.url),
            [
                (b"GET /read/1 HTTP/1.1\r\n" + head, body),  # a GET step reads its body
                (b"POST /nowhere HTTP/1.1\r\n" + head, body),  # 404
                (b"PUT /read/1 HTTP/1.1\r\n" + head, body),  # 405
                b"GET /read/3 HTTP/1.1\r\nHost: x\r\n\r\n",
            ],
        )
    assert [a.split(b" ", 2)[1] for a in answers] == [b"200", b"404", b"405", b"200"]
    assert answers[-1].endswith(b'{"id":"3"}')


async def test_query_headers_and_chunked_bodies_reach_the_handler(
    make_project: Callable[..., Path],
) -> None:
    query = "a=1&b=2&b=3&c=%20x&d&e=&f=a+b&g=%C3%A9"
    async with serving(make_project(STEPS)) as (_, client):
        echoed = await client.post(
            f"/echo?{query}", json={"n": 1}, headers=[("X-A", "1"), ("X-A", "2")]
        )

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"n":'
            yield b" 2}"

        chunked = await client.post("/echo", content=chunks())  # no length: chunked
    request = echoed.json()
    assert request["queryParams"] == {
        "a": "1", "b": ["2", "3"], "c": " x", "d": "", "e": "", "f": "a b", "g": "é"
    }  # fmt: skip
    assert request["headers"]["x-a"] == "1, 2" and request["body"] == {"n": 1}
    assert chunked.json()["headers"]["transfer-encoding"] == "chunked"
    assert chunked.json()["body"] == {"n": 2}


async def test_a_client_that_leaves_mid_call_lets_the_handler_finish(
    make_project: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """A started handler runs to its end (its side effects are not cut in half); the
    answer nobody reads is dropped without an error."""

    def ask_and_leave(port: int) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /slow-write HTTP/1.1\r\nHost: x\r\n\r\n")

    async with serving(make_project(STEPS)) as (services, client):
        with caplog.at_level(logging.ERROR):
            await trio.to_thread.run_sync(ask_and_leave, _port(services.url))
            await wait_for(lambda: services.env.state.get("slow", "done"))
            await trio.sleep(0.1)  # the dropped answer has been sent by now
            assert (await client.get("/read/4")).json() == {"id": "4"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def _receive_from(messages: list[ASGIReceiveEvent]) -> ASGIReceiveCallable:
    async def receive() -> ASGIReceiveEvent:
        if messages:
            return messages.pop(0)
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    return receive


async def test_the_body_reader_limits_times_out_and_notices_a_client_leaving(
    autojump_clock: trio.testing.MockClock,
) -> None:
    chunk: ASGIReceiveEvent = {"type": "http.request", "body": b"12345", "more_body": True}
    last: ASGIReceiveEvent = {"type": "http.request", "body": b"6", "more_body": False}
    chunked = {"transfer-encoding": "chunked"}

    assert await AsgiBody(_receive_from([chunk, last]), chunked, 6, 60).read() == b"123456"
    assert await AsgiBody(_receive_from([]), {}, 6, 60).read() == b""  # none announced
    with pytest.raises(BodyTooLarge):  # said so up front: nothing is read
        await AsgiBody(_receive_from([]), {"content-length": "7"}, 6, 60).read()
    with pytest.raises(BodyTooLarge):  # found out while reading
        await AsgiBody(_receive_from([chunk, chunk]), chunked, 6, 60).read()
    with pytest.raises(BodyTimeout, match="within 60s"):
        await AsgiBody(_receive_from([chunk]), chunked, 100, 60).read()
    gone: ASGIReceiveEvent = {"type": "http.disconnect"}
    with pytest.raises(ClientGone):
        await AsgiBody(_receive_from([chunk, gone]), chunked, 100, 60).read()

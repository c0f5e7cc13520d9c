"""Streamed answers of Motia 1.0 http triggers through the real server and the real Node
runner: server-sent events read as they come, a streamed text body, a client that
leaves mid-stream, a handler that throws after its answer began, and a client that
stops reading.

Motia 1.0 writes such a step as motia-js/playground/steps/api-steps/sse.step.ts and
HANDLER_MIGRATION_GUIDE.md §6 do: `response.status()`, `response.headers()`, writes to
`response.stream` (types.ts MotiaHttpResponse: a NodeJS.WritableStream), then
`response.close()`; src/new/build/utils.ts hands the handler iii's `res` as `response`.
Python steps as motia-py writes them (HANDLER_MIGRATION_GUIDE.md §6, motia-py types.py
MotiaHttpResponse: `await response.status()`, `response.writer.stream.write()`,
`response.close()`), Ruby ones in Ruby's idiom (`response.stream.write`, `<<`, `close`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from orchestrator.wiring.server import Services
from tests.helpers import serving, wait_for
from tests.triggers.sse_project import PROJECT


@dataclass(frozen=True)
class Lang:
    """Where a language's copy of a step is served, and what its names are."""

    prefix: str  # of its routes
    suffix: str  # of its step names
    group: str  # the SSE step's state group
    error: str  # what `throw new Error` / `raise` is called


LANGS = [
    pytest.param(Lang("", "", "sse", "Error"), id="node"),
    pytest.param(Lang("/py", "Py", "sse-py", "RuntimeError"), id="python"),
    pytest.param(Lang("/rb", "Rb", "sse-rb", "RuntimeError"), id="ruby"),
]


@asynccontextmanager
async def served(make_project: Callable[..., Path]) -> AsyncIterator[tuple[Services, Any]]:
    async with serving(make_project(PROJECT)) as (services, client):
        assert services.runtime.project.problems == [], services.runtime.project.problems
        yield services, client


def logged(services: Services, text: str) -> list[dict[str, Any]]:
    return [e for e in services.env.logs.tail if text in e["msg"]]


async def next_event(lines: AsyncIterator[str]) -> list[str]:
    event: list[str] = []
    async for line in lines:
        if not line:
            return event
        event.append(line)
    return event


@pytest.mark.parametrize("lang", LANGS)
async def test_server_sent_events_arrive_while_the_handler_runs(
    make_project: Callable[..., Path], lang: Lang
) -> None:
    async with served(make_project) as (services, client):
        async with client.stream("GET", f"{lang.prefix}/sse") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            assert response.headers["cache-control"] == "no-cache"
            assert response.headers["transfer-encoding"] == "chunked"
            assert "content-length" not in response.headers and response.headers["x-trace-id"]
            lines = response.aiter_lines()
            assert await next_event(lines) == ["event: item", 'data: {"n":1}']
            # The handler is still waiting for this flag: event 1 came before its end.
            assert await services.env.state.get(lang.group, "finished") is None
            await services.env.state.set(lang.group, "go", True)
            assert await next_event(lines) == ["event: item", 'data: {"n":2}']
            assert await next_event(lines) == ["event: done", 'data: {"total":3}']
            assert [line async for line in lines] == []
        assert await wait_for(lambda: services.env.state.get(lang.group, "finished")) is True
        await wait_for(lambda: logged(services, "SSE done"))


async def test_a_streamed_text_body_is_whole_and_ended_by_the_handler_returning(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (_services, client):
        response = await client.get("/text")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.text == "".join(f"line {i}\n" for i in range(1, 6))
        again = await client.get("/text")  # the connection is reused: the body was ended
        assert again.text == response.text


@pytest.mark.parametrize("lang", LANGS)
async def test_a_client_leaving_mid_stream_stops_the_handler_writes(
    make_project: Callable[..., Path], lang: Lang
) -> None:
    async with served(make_project) as (services, client):
        async with client.stream("GET", f"{lang.prefix}/forever") as response:
            lines = response.aiter_lines()
            assert await lines.__anext__() == "tick 0"
        # Leaving the block closed the connection: the handler's stream closes under it
        # (Node: 'close'; Python and Ruby: the write in progress or the next one raises).
        if not lang.prefix:
            await wait_for(lambda: logged(services, "stream closed"))
        [stopped] = await wait_for(lambda: logged(services, "writes stopped"))
        assert stopped["fields"]["destroyed"] is True
        if lang.prefix:
            assert stopped["fields"]["failed"] in ("Cancelled", "StreamClosed"), stopped
        [gone] = await wait_for(
            lambda: logged(services, "the client disconnected from the streamed response")
        )
        assert gone["step"] == f"Forever{lang.suffix}" and gone["level"] == "info"
        assert (await client.get("/text")).text.startswith("line 1\n")  # still healthy
        assert not [e for e in services.env.logs.tail if e["level"] == "error"]


@pytest.mark.parametrize("lang", LANGS)
async def test_a_handler_throwing_after_streaming_began_cuts_the_answer_and_is_logged(
    make_project: Callable[..., Path], lang: Lang
) -> None:
    async with served(make_project) as (services, client):
        received = b""
        async with client.stream("GET", f"{lang.prefix}/boom") as response:
            assert response.status_code == 200
            try:
                async for chunk in response.aiter_raw():
                    received += chunk
                complete = True
            except httpx.RemoteProtocolError:
                complete = False  # no closing chunk: the client can tell it is cut short
        assert received == b"first\n" and not complete  # no second status line
        [threw] = await wait_for(lambda: logged(services, "after its response began streaming"))
        assert threw["level"] == "error" and threw["step"] == f"Boom{lang.suffix}"
        thrown = f"threw {lang.error} after its response began streaming: boom after streaming"
        assert thrown in threw["msg"]
        assert (await client.get("/text")).status_code == 200


async def test_a_client_that_stops_reading_holds_the_handler_writes_back(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        async with client.stream("GET", "/flood") as response:
            assert response.status_code == 200
            # Read nothing: the socket buffers fill, then the response's buffer, then the
            # handler's writes wait. What it got taken stops growing, far below 125 MiB.
            await wait_for(lambda: services.env.state.get("flood", "taken"))
            plateau = None
            for _ in range(50):
                await trio.sleep(0.3)
                taken = await services.env.state.get("flood", "taken")
                if taken == plateau:
                    break
                plateau = taken
            assert taken == plateau and taken < 48 * 1024 * 1024, taken
            # Reading again lets it go on.
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > taken + 4 * 1024 * 1024:
                    break
        assert await services.env.state.get("flood", "taken") > plateau


async def test_the_handler_timeout_covers_a_streamed_answer(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        received = b""
        with trio.fail_after(10):
            async with client.stream("GET", "/slow") as response:
                try:
                    async for chunk in response.aiter_raw():
                        received += chunk
                except httpx.RemoteProtocolError:
                    pass
        assert received == b"started\n"
        [cut] = await wait_for(lambda: logged(services, "its streamed response was cut short"))
        assert cut["step"] == "Slow" and "within 1s" in cut["msg"]


async def test_a_streamed_head_is_checked_as_a_returned_response_is(
    make_project: Callable[..., Path],
) -> None:
    async with served(make_project) as (services, client):
        response = await client.get("/bad-head")
        assert response.status_code == 500 and b"never sent" not in response.content
        assert response.json()["error"] == "invalid handler response"
        assert "status 99; expected an integer from 200 to 599" in response.json()["message"]
        # The handler's stream was closed under it (it waited for that), so it ended.
        await wait_for(lambda: services.runtime.pool.in_flight == 0)


async def test_a_shutdown_cuts_an_open_stream_within_the_grace(
    make_project: Callable[..., Path],
) -> None:
    received: list[str] = []
    reading = trio.Event()

    async def read(client: httpx.AsyncClient, url: str) -> None:
        with contextlib.suppress(httpx.HTTPError):
            async with client.stream("GET", url) as response:
                async for line in response.aiter_lines():
                    received.append(line)
                    reading.set()

    with trio.fail_after(20):
        async with httpx.AsyncClient(timeout=30) as outside, trio.open_nursery() as nursery:
            async with served(make_project) as (services, _client):
                nursery.start_soon(read, outside, f"{services.url}/forever")
                await reading.wait()
                began = trio.current_time()
            # serving() stops with a 2 s grace: the stream (10 s long) was cut then.
            assert trio.current_time() - began < 8
    assert received[0] == "tick 0" and len(received) < 300


async def test_a_client_leaving_before_its_body_arrived_leaves_the_server_healthy(
    make_project: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Where steps may stream, a request runs in a nursery of its own: the client leaving
    # mid-body must still end the request quietly (not as an exception group).
    async with served(make_project) as (services, client):
        host, port = services.url.removeprefix("http://").split(":")
        sock = await trio.open_tcp_stream(host, int(port))
        await sock.send_all(b"GET /text HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        await trio.sleep(0.2)
        await sock.aclose()
        await trio.sleep(0.2)
        assert (await client.get("/text")).status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records

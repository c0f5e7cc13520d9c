"""Streams as Motia 1.0 declares them in the fixture: `new Stream(config)` imported by
a step, onJoin/onLeave subscription hooks, and motia.config.ts's `authenticateStream`
whose context each hook gets (docs/content/docs/development-guide/streams.mdx,
"Subscription Hooks"; Motia 1.0 `motia-js/packages/motia/src/new/build/utils.ts`,
`initialize()`; `motia-js/playground/motia.config.ts`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from tests.helpers import wait_for
from tests.motia1.fixture import logged, served_fixture
from tests.streams.helpers import event_of, socket, ws_url


async def test_an_authenticated_client_sees_what_a_step_writes(
    make_project: Callable[..., Path],
) -> None:
    async with served_fixture(make_project) as (services, client):
        async with socket(ws_url(services, "/?authToken=mock-token-ann")) as ws:
            await ws.join("todo", "list-1")
            assert event_of(await ws.next()) == ("sync", [])
            added = await client.post("/todos/list-1", json={"description": "MOCK milk"})
            assert added.status_code == 201
            todo = added.json()
            assert event_of(await ws.next()) == ("create", todo)
            assert todo["description"] == "MOCK milk" and todo["done"] is False
        # Steppe's subscription is Motia's {groupId, id} plus the stream's name.
        subscription = {"streamName": "todo", "groupId": "list-1", "id": None}
        hooked = {"subscription": subscription, "authContext": {"userId": "ann"}}
        assert ("Client joined stream", hooked) in logged(services, "todo")
        await wait_for(lambda: ("Client left stream", hooked) in logged(services, "todo"))
        assert ("todo added", {"listId": "list-1", "found": True}) in logged(services, "AddTodo")


async def test_on_join_refuses_a_client_without_a_user(make_project: Callable[..., Path]) -> None:
    async with served_fixture(make_project) as (services, _client):
        for query in ("", "?authToken=mock-token-unknown"):
            async with socket(ws_url(services, "/" + query)) as ws:
                await ws.join("todo", "list-1")
                assert event_of(await ws.next()) == (
                    "event:error",
                    {"message": "access to stream 'todo' denied", "code": "FORBIDDEN"},
                )


async def test_python_and_ruby_streams_with_hooks(make_project: Callable[..., Path]) -> None:
    """motia-py's `on_join`/`on_leave` in a stream config (types_stream.py); Ruby's
    `def on_join`; both get authenticateStream's context."""
    async with served_fixture(make_project) as (services, _client):
        for stream in ("room", "lobby"):
            async with socket(ws_url(services, "/?authToken=mock-token-ann")) as ws:
                await ws.join(stream, "g-1")
                assert event_of(await ws.next()) == ("sync", [])
            async with socket(ws_url(services, "/")) as ws:
                await ws.join(stream, "g-2")
                assert event_of(await ws.next())[0] == "event:error"

            def said(message: str, stream: str = stream) -> list[str]:
                return [m for m, _ in logged(services, stream) if m == f"{message} {stream}"]

            assert len(said("Client joined")) == 2, stream
            await wait_for(partial(said, "Client left"))

"""Streams as Motia 1.0 declares them, through the real server, runners and WebSocket
clients: a stream's `onJoin` / `onLeave` (TS, Python, Ruby) and the project's
`authenticateStream` in `motia.config.ts`.

Motia's behaviour, read from its source (MotiaDev/motia, HEAD):
- frameworks/motia/motia-js/packages/motia/src/new/build/utils.ts, `initialize()`: the
  authenticate function gets `{headers, path, queryParams, addr}` and a flow context;
  join/leave call `config.onJoin/onLeave({groupId, id}, context, authContext)`.
- engine/src/modules/stream/connection.rs `handle_join_leave`: only `{unauthorized: true}`
  refuses a join; socket.rs: a disconnect runs the leave trigger for each subscription.
- frameworks/motia/motia-js/packages/motia/src/types-stream.ts: StreamConfig's hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio
from trio_websocket import ConnectionClosed

from orchestrator.wiring.server import Services
from tests.helpers import reloader_for, serving, wait_for
from tests.streams.helpers import event_of, socket, ws_url

PROJECT = Path(__file__).parent / "hooks_project"


def messages(services: Services, prefix: str) -> list[dict[str, Any]]:
    return [e for e in services.env.logs.tail if str(e["msg"]).startswith(prefix)]


async def test_on_join_admits_or_refuses_by_the_auth_context_in_ts_python_and_ruby() -> None:
    async with serving(PROJECT) as (services, http):
        listed = (await http.get("/__steppe/api/streams")).json()["streams"]
        hooks = {s["name"]: (s["canAccess"], s["onJoin"], s["onLeave"]) for s in listed}
        assert hooks == {
            "todo": (False, True, True),
            "room": (False, True, True),
            "lobby": (False, True, True),
            "guarded": (True, False, False),
        }
        for stream in ("todo", "room", "lobby"):
            async with socket(ws_url(services, "/?user=ann")) as ws:
                await ws.join(stream, "g")
                assert event_of(await ws.next()) == ("sync", []), stream
            async with socket(ws_url(services, "/?user=bob")) as ws:
                await ws.join(stream, "g")
                # The same refusal a false canAccess gives.
                assert event_of(await ws.next()) == (
                    "event:error",
                    {"message": f"access to stream '{stream}' denied", "code": "FORBIDDEN"},
                ), stream
        # An onJoin that throws refuses (fail closed, unlike Motia's engine); the log says why.
        async with socket(ws_url(services, "/?user=boom")) as ws:
            await ws.join("todo", "g")
            assert event_of(await ws.next())[1] == {
                "message": "the access check of stream 'todo' failed",
                "code": "FORBIDDEN",
            }
        assert any("the todo database is down" in e["msg"] for e in services.env.logs.tail)
        # onJoin ran with the context authenticateStream made, and Motia's ctx.
        [joined] = [e for e in messages(services, "joined todo g/*")
                    if e["fields"]["authContext"]["userId"] == "ann"]  # fmt: skip
        assert joined["fields"]["authContext"] == {
            "userId": "ann",
            "path": "/",
            "header": None,
            "hasAddr": True,
        }


async def test_on_leave_runs_once_per_subscription_on_leave_and_on_disconnect() -> None:
    async with serving(PROJECT) as (services, _):
        async with socket(ws_url(services, "/?user=ann")) as ws:
            group = await ws.join("todo", "g1")
            await ws.next()
            await ws.join("todo", "g2", "x")
            await ws.next()
            await ws.join("room", "r")
            await ws.next()
            await ws.join("lobby", "l")
            await ws.next()
            await ws.leave("todo", "g1", group)
            await wait_for(lambda: messages(services, "left todo g1/* by ann"))
            assert not messages(services, "left todo g2")  # still subscribed
            await ws.leave("todo", "g1", group)  # already left: no second onLeave
        # The disconnect ends the other three.
        await wait_for(lambda: messages(services, "left todo g2/x by ann"))
        await wait_for(lambda: messages(services, "left room r/None by ann"))
        await wait_for(lambda: messages(services, "left lobby l by ann"))
        async with socket(ws_url(services, "/?user=bob")) as ws:
            await ws.join("todo", "refused")
            await ws.next()
        await trio.sleep(0.3)
        assert len(messages(services, "left todo")) == 2
        assert not messages(services, "left todo refused")  # a refused join has no leave


async def test_authenticate_stream_context_reaches_can_access_over_websocket_and_rest() -> None:
    async with serving(PROJECT) as (services, http):
        async with socket(ws_url(services, "/__streams"), headers={"x-user": "ann"}) as ws:
            await ws.join("guarded", "g")
            assert event_of(await ws.next()) == ("sync", [])
        async with socket(ws_url(services, "/?user=bob")) as ws:
            await ws.join("guarded", "g")
            assert event_of(await ws.next())[1]["code"] == "FORBIDDEN"
        assert (await http.get("/streams/guarded/g?user=ann")).status_code == 200
        assert (await http.get("/streams/guarded/g", headers={"x-user": "bob"})).status_code == 403
        # A stream guarded by onJoin alone is not readable over REST (onJoin is a join).
        refused = await http.get("/streams/todo/g?user=ann")
        assert refused.status_code == 403 and "onJoin" in refused.text


async def test_a_failing_or_empty_authenticate_stream_refuses_the_connection() -> None:
    async with serving(PROJECT) as (services, http):
        for user, reason in [
            ("crash", "stream authentication failed"),
            ("nobody", "stream authentication refused the connection"),
        ]:
            async with socket(ws_url(services, f"/?user={user}")) as ws:
                try:
                    await ws.join("guarded", "g")
                    message = await ws.next()
                except ConnectionClosed as closed:
                    assert closed.reason is not None
                    assert (closed.reason.code, closed.reason.reason) == (1008, reason)
                else:
                    raise AssertionError(f"{user}: got {message}, not a close")
            assert (await http.get(f"/streams/guarded/g?user={user}")).status_code == 401
        assert any(
            "authenticateStream failed" in e["msg"] and "the user directory is down" in e["msg"]
            for e in services.env.logs.tail
        )


async def test_motia_config_counts_only_with_authenticate_stream_and_hot_reloads(
    make_project: Callable[..., Path],
) -> None:
    # A 0.17 motia.config.ts (plugins Steppe lacks) is not loaded: no authenticateStream in it.
    legacy = "import { config } from '@motiadev/core'\nexport default config({ plugins: [] })\n"
    guarded = (PROJECT / "steps/guarded.stream.js").read_text()
    project = make_project({"steps/guarded.stream.js": guarded, "motia.config.ts": legacy})
    config = project / "motia.config.ts"
    async with serving(project) as (services, _):
        assert not services.runtime.project.problems
        reloader = reloader_for(services)
        # No authenticateStream: the authContext is 0.17's {token}, which has no userId.
        assert await join_event(services, "guarded") == "event:error"
        config.write_text((PROJECT / "motia.config.ts").read_text())
        await reloader.apply_changes({config})
        assert await join_event(services, "guarded") == "sync"
        config.unlink()
        await reloader.apply_changes({config})
        assert await join_event(services, "guarded") == "event:error"


async def join_event(services: Services, stream: str) -> str:
    async with socket(ws_url(services, "/?user=ann")) as ws:
        await ws.join(stream, "g")
        return event_of(await ws.next())[0]

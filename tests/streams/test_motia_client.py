"""Motia's browser client (`@motiadev/stream-client-browser` 0.2.2, unchanged) against the
real server: group and item subscriptions see sync, create, update, delete and custom
events, and the same item id in two groups never crosses over."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

from tests.helpers import serving
from tests.streams.helpers import PROJECT, op, ws_url

SCRIPT = Path(__file__).parent / "motia_client.cjs"
CLIENT_PACKAGE = (
    Path(__file__).parents[2] / "runners/node/node_modules/@motiadev/stream-client-browser"
)

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not CLIENT_PACKAGE.is_dir(),
    reason="needs node and `npm ci` in runners/node",
)


class MotiaClient:
    """The Node process that runs the browser client, and what it has reported."""

    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self.lines: list[dict[str, Any]] = []
        self._changed = trio.Event()

    async def read(self) -> None:
        assert self.process.stdout is not None
        buffer = b""
        async for chunk in self.process.stdout:
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            self.lines.extend(json.loads(line) for line in lines if line)
            self._changed.set()
            self._changed = trio.Event()

    async def command(self, **command: Any) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send_all(json.dumps(command).encode() + b"\n")

    def states(self, key: str) -> list[Any]:
        return [line["state"] for line in self.lines if line.get("key") == key and "state" in line]

    def events(self, key: str) -> list[tuple[str, Any]]:
        return [(x["event"], x["data"]) for x in self.lines if x.get("key") == key and "event" in x]

    async def until(self, check: Any, timeout: float = 5.0) -> None:
        with trio.move_on_after(timeout):
            while not check():
                await self._changed.wait()
            return
        pytest.fail(f"the Motia client did not report it; it reported {self.lines}")

    async def state_becomes(self, key: str, expected: Any) -> None:
        await self.until(lambda: self.states(key)[-1:] == [expected])


@asynccontextmanager
async def motia_client(url: str) -> AsyncIterator[MotiaClient]:
    async with trio.open_nursery() as nursery:
        process = await trio.lowlevel.open_process(
            ["node", str(SCRIPT), url], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        client = MotiaClient(process)
        nursery.start_soon(client.read)
        try:
            await client.until(lambda: {"open": True} in client.lines, timeout=10)
            yield client
        finally:
            assert process.stdin is not None
            await process.stdin.aclose()
            with trio.move_on_after(5):
                await process.wait()
            process.kill()


async def test_the_motia_browser_client_follows_a_group_and_an_item() -> None:
    async with serving(PROJECT) as (services, http), motia_client(ws_url(services, "/")) as motia:

        async def run(lang: str, operation: str, group: str = "room", **body: Any) -> Any:
            return await op(http, lang, stream="items", op=operation, groupId=group, **body)

        await run("ts", "set", id="old", data={"text": "before joining"})
        await motia.command(cmd="group", key="group", stream="items", group="room")
        await motia.command(cmd="item", key="item", stream="items", group="room", id="a")
        # The same id in another group: it must never see the changes of "room".
        await motia.command(cmd="item", key="other", stream="items", group="lobby", id="a")
        old = {"text": "before joining", "id": "old"}
        await motia.state_becomes("group", [old])  # sync
        await motia.until(
            lambda: motia.states("item") == [None] and motia.states("other") == [None]
        )

        await run("js", "set", id="a", data={"text": "hello"})  # create
        created = {"text": "hello", "id": "a"}
        await motia.state_becomes("item", created)
        await motia.state_becomes("group", [old, created])

        await run("py", "set", id="a", data={"text": "edited", "n": 1})  # update
        updated = {"text": "edited", "n": 1, "id": "a"}
        await motia.state_becomes("item", updated)
        await motia.state_becomes("group", [old, updated])

        await run("rb", "set", group="lobby", id="a", data={"text": "elsewhere"})
        await motia.state_becomes("other", {"text": "elsewhere", "id": "a"})

        await run("ts", "send", channel={"groupId": "room"}, event={"type": "typing", "data": 1})
        await run("js", "send", channel={"groupId": "room", "id": "a"}, event={"type": "ping"})
        await motia.until(lambda: motia.events("group") == [("typing", 1), ("ping", None)])
        await motia.until(lambda: motia.events("item") == [("ping", None)])

        await run("py", "delete", id="a")  # delete
        await motia.state_becomes("item", None)
        await motia.state_becomes("group", [old])

        # Closing the group subscription sends `leave`: later changes no longer reach it.
        await motia.command(cmd="close", key="group")
        await motia.until(lambda: {"key": "group", "closed": True} in motia.lines)
        await run("rb", "set", id="b", data={"text": "after leaving"})
        await run("ts", "set", id="a", data={"text": "back"})
        await motia.state_becomes("item", {"text": "back", "id": "a"})
        assert motia.states("group")[-1] == [old]

        assert motia.states("other") == [None, {"text": "elsewhere", "id": "a"}]
        assert motia.events("other") == []


async def test_a_denied_join_reaches_the_client_as_an_error_event() -> None:
    async with serving(PROJECT) as (services, _), motia_client(ws_url(services, "/")) as motia:
        await motia.command(cmd="item", key="denied", stream="guarded", group="g", id="x")
        await motia.until(lambda: motia.events("denied") != [])
        [(kind, data)] = motia.events("denied")
        assert kind == "error" and data["code"] == "FORBIDDEN"
        assert motia.states("denied") == []  # no data at all

"""`streams.<name>.get/set/delete/getGroup/send` from handlers in all four languages,
seen by a WebSocket subscriber (docs/reference.md §3, §5)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import serving
from tests.streams.helpers import LANGUAGES, PROJECT, event_of, op, op_error, socket, ws_url


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_operation_reaches_subscribers(lang: str) -> None:
    async with serving(PROJECT) as (services, client), socket(ws_url(services)) as ws:
        await ws.join("items", "room")
        assert event_of(await ws.next()) == ("sync", [])
        await ws.join("items", "room", "a")
        sync = await ws.next()
        assert (sync["id"], event_of(sync)) == ("a", ("sync", None))

        async def run(operation: str, **body: object) -> object:
            return await op(client, lang, stream="items", op=operation, groupId="room", **body)

        created = await run("set", id="a", data={"text": "hello"})
        assert created == {"text": "hello", "id": "a"}
        message = await ws.next()
        # One copy although this socket listens to the group and to the item.
        assert {k: message[k] for k in ("streamName", "groupId", "id")} == {
            "streamName": "items",
            "groupId": "room",
            "id": "a",
        }
        assert event_of(message) == ("create", created)
        assert message["timestamp"] > sync["timestamp"]

        assert await run("get", id="a") == created
        assert await run("getGroup") == [created]

        updated = await run("set", id="a", data={"text": "bye", "n": 2})
        assert event_of(await ws.next()) == ("update", {"text": "bye", "n": 2, "id": "a"})

        assert await run("send", channel={"groupId": "room"}, event={"type": "typing"}) is None
        typing = await ws.next()
        assert "id" not in typing and event_of(typing) == ("event:typing", None)
        await run("send", channel={"groupId": "room", "id": "a"}, event={"type": "ping", "data": 1})
        ping = await ws.next()
        assert ping["id"] == "a" and event_of(ping) == ("event:ping", 1)

        assert await run("delete", id="a") == updated
        assert event_of(await ws.next()) == ("delete", updated)
        assert await run("get", id="a") is None
        assert await run("delete", id="a") is None
        assert await run("getGroup") == []
        await ws.nothing_for(0.05)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_a_schema_violation_names_the_stream_and_field(lang: str) -> None:
    async with serving(PROJECT) as (_, client):
        error = await op_error(
            client, lang, stream="items", op="set", groupId="g", id="a", data={"text": 5}
        )
        assert error["name"] == "ValidationError"
        assert "stream 'items'" in error["message"]
        assert "text: 5 is not of type 'string'" in error["message"]
        assert await op(client, lang, stream="items", op="get", groupId="g", id="a") is None


async def test_unknown_streams_and_bad_arguments_are_errors_in_the_handler() -> None:
    async with serving(PROJECT) as (_, client):
        unknown = await op_error(client, "ts", stream="nope", op="getGroup", groupId="g")
        assert unknown["name"] == "UnknownStream"
        assert "'nope'" in unknown["message"] and "items" in unknown["message"]
        assert (await op_error(client, "rb", stream="nope", op="get", groupId="g", id="x"))[
            "name"
        ] == "UnknownStream"
        not_object = await op_error(
            client, "py", stream="items", op="set", groupId="g", id="a", data=["text"]
        )
        assert "data must be an object, got array" in not_object["message"]
        no_group = await op_error(client, "js", stream="items", op="get", groupId="", id="a")
        assert "'groupId' must be a non-empty string" in no_group["message"]
        nan = await op_error(client, "py", stream="items", op="setNaN", groupId="g", id="a")
        assert nan["name"] == "ValidationError" and "not JSON" in nan["message"], nan
        bad_channel = await op_error(
            client, "ts", stream="items", op="send", channel={}, event={"type": "x"}
        )
        assert "groupId" in bad_channel["message"]


async def test_a_dashed_stream_name_is_reachable_as_an_attribute_name() -> None:
    async with serving(PROJECT) as (_, client):
        stored = await op(
            client, "ts", stream="shortLived", op="set", groupId="g", id="a", data={"text": "x"}
        )
        assert stored == {"text": "x", "id": "a"}
        assert await op(client, "py", stream="short-lived", op="getGroup", groupId="g") == [stored]


async def test_a_schema_may_declare_the_id_and_a_broken_one_is_a_config_error(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(
        {
            "steps/typed.stream.ts": (
                "import { z } from 'zod'\n"
                "export const config = { name: 'typed', baseConfig: { storageType: 'default' },\n"
                "  schema: z.object({ id: z.string().min(2), text: z.string() }) }\n"
            ),
            "steps/broken.stream.js": (
                "exports.config = { name: 'broken', baseConfig: { storageType: 'default' },\n"
                "  schema: { type: 'no-such-type' } }\n"
            ),
            "steps/ops.step.ts": (PROJECT / "steps" / "ops.step.ts").read_text(),
        }
    )
    async with serving(project) as (_, client):
        body = {"stream": "typed", "op": "set", "groupId": "g", "data": {"text": "t"}}
        ok = await client.post("/ops/ts", json={**body, "id": "ab"})
        assert ok.json() == {"result": {"text": "t", "id": "ab"}}
        short = await client.post("/ops/ts", json={**body, "id": "a"})
        assert short.status_code == 422 and "id:" in short.json()["error"]["message"]
        broken = await client.post("/ops/ts", json={**body, "stream": "broken", "id": "x"})
        error = broken.json()["error"]
        assert error["name"] == "ConfigError" and "stream 'broken'" in error["message"]

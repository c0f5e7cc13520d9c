"""The Motia protocol spoken by a plain WebSocket client: errors for what the server cannot
act on, leave, the seed-form socket and the REST fallback."""

from __future__ import annotations

import pytest

from tests.helpers import serving
from tests.streams.helpers import PROJECT, event_of, op, socket, ws_url


async def test_bad_and_unknown_messages_get_an_error_and_the_socket_stays_usable() -> None:
    async with serving(PROJECT) as (services, _), socket(ws_url(services, "/__streams")) as ws:
        await ws.send({"type": "subscribe", "data": {"streamName": "items", "groupId": "g"}})
        unknown = await ws.next()
        assert event_of(unknown)[0] == "event:error"
        assert event_of(unknown)[1]["code"] == "UNKNOWN_MESSAGE"
        assert "'subscribe'" in event_of(unknown)[1]["message"]
        # Addressed to the channel it named, so a Motia client files it with that subscription.
        assert (unknown["streamName"], unknown["groupId"]) == ("items", "g")

        channel = {"streamName": "items", "groupId": "g"}
        for bad, says in [
            ("not json", "not JSON"),
            ("[1, 2]", "JSON object"),
            ({"type": "join", "data": {"groupId": "g"}}, "streamName and groupId"),
            ({"type": "join", "data": {**channel, "id": 3}}, "id must be a non-empty string"),
            ({"type": "join", "data": {**channel, "subscriptionId": 1}}, "subscriptionId"),
        ]:
            await ws.send(bad)
            kind, data = event_of(await ws.next())
            assert kind == "event:error" and says in data["message"], (bad, data)

        await ws.join("nope", "g")
        missing = await ws.next()
        assert event_of(missing) == (
            "event:error",
            {"message": "there is no stream named 'nope'", "code": "NOT_FOUND"},
        )
        await ws.join("items", "g")
        assert event_of(await ws.next()) == ("sync", [])


async def test_leave_stops_the_messages_of_that_subscription_only() -> None:
    async with serving(PROJECT) as (services, http), socket(ws_url(services)) as ws:
        group = await ws.join("items", "g")
        await ws.next()
        await ws.join("items", "g", "a")
        await ws.next()
        await ws.leave("items", "g", group)
        await op(http, "ts", stream="items", op="set", groupId="g", id="b", data={"text": "b"})
        await op(http, "ts", stream="items", op="set", groupId="g", id="a", data={"text": "a"})
        message = await ws.next()
        assert (message["id"], event_of(message)[0]) == ("a", "create")
        await ws.nothing_for(0.05)


async def test_the_seed_socket_and_the_rest_fallback_return_the_same_data() -> None:
    async with serving(PROJECT) as (services, http):
        for n, lang in enumerate(("ts", "py")):
            data = {"text": f"item {n}", "n": n}
            await op(http, lang, stream="items", op="set", groupId="g", id=f"i{n}", data=data)
        rest = await http.get("/streams/items/g")
        assert rest.status_code == 200 and rest.headers["x-trace-id"]
        async with socket(ws_url(services, "/streams/items/g")) as seed:
            snapshot = await seed.next()
            assert event_of(snapshot) == ("sync", rest.json())
            assert "id" not in snapshot and len(rest.json()) == 2

            await op(
                http, "rb", stream="items", op="set", groupId="g", id="i0", data={"text": "new"}
            )
            await op(
                http, "rb", stream="items", op="set", groupId="other", id="x", data={"text": "x"}
            )
            kind, data = event_of(await seed.next())
            item = await http.get("/streams/items/g/i0")
            assert (kind, data) == ("update", item.json()) and item.headers["x-trace-id"]
            await seed.nothing_for(0.05)  # the change in group "other" is not for this socket

        # The seed socket also takes Motia joins, like any stream socket.
        async with socket(ws_url(services, "/streams/items/other")) as seed:
            assert event_of(await seed.next()) == ("sync", [{"text": "x", "id": "x"}])
            await seed.join("items", "g", "i1")
            assert event_of(await seed.next()) == ("sync", {"text": "item 1", "n": 1, "id": "i1"})


async def test_rest_answers_404_as_json_for_unknown_streams_and_items() -> None:
    async with serving(PROJECT) as (services, http):
        for path, says in [
            ("/streams/nope/g", "no stream named 'nope'"),
            ("/streams/nope/g/a", "no stream named 'nope'"),
            ("/streams/items/g/missing", "no item 'missing' in group 'g' of stream 'items'"),
        ]:
            response = await http.get(path)
            assert response.status_code == 404
            assert response.headers["content-type"] == "application/json"
            body = response.json()
            assert body["error"] == says and body["traceId"] == response.headers["x-trace-id"]
        assert (await http.get("/streams/items/empty")).json() == []
        async with socket(ws_url(services, "/streams/nope/g")) as seed:
            assert event_of(await seed.next())[1]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("stream", "token", "group"),
    [("guarded", "ts-secret", "g"), ("private", "py-secret", "g"), ("vault", "rb-secret", "v-1")],
)
async def test_can_access_decides_each_join_and_read(stream: str, token: str, group: str) -> None:
    async with serving(PROJECT) as (services, http):
        url = ws_url(services)
        async with socket(url) as anonymous:
            await anonymous.join(stream, group, "a")
            denied = await anonymous.next()
            assert (denied["streamName"], denied["groupId"], denied["id"]) == (stream, group, "a")
            assert event_of(denied)[0] == "event:error"
            assert event_of(denied)[1]["code"] == "FORBIDDEN"
            await anonymous.nothing_for(0.05)  # no data after the error

        # Motia's clients pass the token as subprotocols: ['Authorization', token].
        async with socket(url, subprotocols=["Authorization", token]) as motia:
            assert motia.connection.subprotocol == "Authorization"
            await motia.join(stream, group)
            assert event_of(await motia.next()) == ("sync", [])
        async with socket(f"{url}?authToken={token}") as by_query:
            await by_query.join(stream, group)
            assert event_of(await by_query.next()) == ("sync", [])
        async with socket(url, headers={"authorization": f"Bearer {token}"}) as by_header:
            await by_header.join(stream, group)
            assert event_of(await by_header.next()) == ("sync", [])
        async with socket(
            f"{ws_url(services, f'/streams/{stream}/{group}')}?authToken=nope"
        ) as seed:
            assert event_of(await seed.next())[1]["code"] == "FORBIDDEN"

        assert (await http.get(f"/streams/{stream}/{group}")).status_code == 403
        bearer = {"authorization": f"Bearer {token}"}
        assert (await http.get(f"/streams/{stream}/{group}", headers=bearer)).json() == []
        assert (await http.get(f"/streams/{stream}/{group}?authToken={token}")).status_code == 200


async def test_can_access_sees_the_subscription_and_a_throwing_check_denies() -> None:
    async with serving(PROJECT) as (services, http):
        async with socket(ws_url(services), subprotocols=["Authorization", "ts-secret"]) as ws:
            await ws.join("guarded", "closed")  # canAccess refuses this group whatever the token
            assert event_of(await ws.next())[1]["code"] == "FORBIDDEN"
            await ws.join("broken-access", "g")
            kind, data = event_of(await ws.next())
            assert kind == "event:error" and "failed" in data["message"]
            assert "down" not in data["message"]  # the reason stays in the log
        assert any(
            "canAccess of stream 'broken-access' failed" in entry["msg"]
            and "the access service is down" in entry["msg"]
            for entry in services.env.logs.tail
        )
        assert (await http.get("/streams/broken-access/g")).status_code == 403

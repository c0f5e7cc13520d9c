"""What one WebSocket connection may hold (issue 15 item 5, item 7): a bounded number of
subscriptions and bounded names, and a frame nested too deeply for the JSON parser is
answered with an error message, the connection kept open."""

from __future__ import annotations

from orchestrator.services.streams.messages import MAX_NAME_LENGTH
from orchestrator.services.streams.service import MAX_SUBSCRIPTIONS_PER_CONNECTION
from tests.helpers import serving
from tests.streams.helpers import PROJECT, event_of, socket, ws_url


async def test_subscriptions_per_connection_are_capped() -> None:
    async with serving(PROJECT) as (services, _http), socket(ws_url(services)) as ws:
        for _ in range(MAX_SUBSCRIPTIONS_PER_CONNECTION):
            await ws.join("items", "g")
        for _ in range(MAX_SUBSCRIPTIONS_PER_CONNECTION):
            assert (await ws.next())["event"]["type"] == "sync"
        await ws.join("items", "g")
        kind, error = event_of(await ws.next())
        assert kind == "event:error" and error["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert services.env.streams is not None
        assert services.env.streams.hub.subscription_count() == MAX_SUBSCRIPTIONS_PER_CONNECTION
        # Leaving one makes room again.
        await ws.leave("items", "g", "sub-1")
        await ws.join("items", "g")
        assert (await ws.next())["event"]["type"] == "sync"


async def test_overlong_names_are_refused() -> None:
    async with serving(PROJECT) as (services, _http), socket(ws_url(services)) as ws:
        long_id = "s" * (MAX_NAME_LENGTH + 1)
        await ws.send(
            {
                "type": "join",
                "data": {"streamName": "items", "groupId": "g", "subscriptionId": long_id},
            }
        )
        kind, error = event_of(await ws.next())
        assert kind == "event:error" and error["code"] == "BAD_MESSAGE"
        assert "subscriptionId is longer than 256" in error["message"]


async def test_a_deeply_nested_frame_gets_an_error_and_the_connection_stays() -> None:
    async with serving(PROJECT) as (services, _http), socket(ws_url(services)) as ws:
        await ws.send("[" * 100_000 + "]" * 100_000)
        kind, error = event_of(await ws.next())
        assert kind == "event:error" and error["message"] == "the message is nested too deeply"
        await ws.join("items", "g")
        assert (await ws.next())["event"]["type"] == "sync"

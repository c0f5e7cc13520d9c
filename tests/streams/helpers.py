"""Shared pieces of the stream tests: the fixture project, real WebSocket clients, and
calls to the `/ops/{lang}` steps that run one stream operation in a given language."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from orchestrator.wiring.server import Services
from tests.helpers import step_error, step_result

PROJECT = Path(__file__).parent / "project"
LANGUAGES = ("ts", "js", "py", "rb")


def ws_url(services: Services, path: str = "/") -> str:
    return services.url.replace("http://", "ws://", 1) + path


async def op(client: httpx.AsyncClient, lang: str, **body: Any) -> Any:
    """Run one stream operation in `lang`'s handler; its result, or AssertionError."""
    return await step_result(client, f"/ops/{lang}", **body)


async def op_error(client: httpx.AsyncClient, lang: str, **body: Any) -> dict[str, str]:
    """Run an operation that must fail; the error the handler caught, `{name, message}`."""
    return await step_error(client, f"/ops/{lang}", **body)


class Socket:
    """A Motia-protocol WebSocket client, one message at a time."""

    def __init__(self, connection: WebSocketConnection) -> None:
        self.connection = connection
        self._count = 0

    async def send(self, message: Any) -> None:
        await self.connection.send_message(
            message if isinstance(message, str) else json.dumps(message)
        )

    async def join(self, stream: str, group: str, item_id: str | None = None) -> str:
        self._count += 1
        subscription = f"sub-{self._count}"
        data = {"streamName": stream, "groupId": group, "subscriptionId": subscription}
        if item_id is not None:
            data["id"] = item_id
        await self.send({"type": "join", "data": data})
        return subscription

    async def leave(self, stream: str, group: str, subscription: str) -> None:
        data = {"streamName": stream, "groupId": group, "subscriptionId": subscription}
        await self.send({"type": "leave", "data": data})

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        with trio.fail_after(timeout):
            message: dict[str, Any] = json.loads(await self.connection.get_message())
        return message

    async def nothing_for(self, seconds: float) -> None:
        """Fail if a message arrives within `seconds`."""
        with trio.move_on_after(seconds):
            message = await self.connection.get_message()
            raise AssertionError(f"unexpected message: {message}")


@asynccontextmanager
async def socket(
    url: str, subprotocols: list[str] | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[Socket]:
    # A short disconnect timeout: a failed test must not then wait a minute for a close reply.
    async with open_websocket_url(
        url,
        subprotocols=subprotocols,
        extra_headers=[(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        disconnect_timeout=2,
    ) as connection:
        yield Socket(connection)


def event_of(message: dict[str, Any]) -> tuple[str, Any]:
    """(type, data) of a change, or ('event:<type>', data) of a custom event."""
    event = message["event"]
    if event["type"] == "event":
        return f"event:{event['event']['type']}", event["event"].get("data")
    return event["type"], event.get("data")

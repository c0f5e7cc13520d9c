"""The workbench's live feed over one WebSocket (messages: orchestrator.workbench.live):

    WS /live    log entries and finished spans as they happen

Authorized before it is accepted (blueprint.py), like every admin route.
"""

from __future__ import annotations

from typing import Any, cast

import trio
from quart import Blueprint, Websocket, websocket

from orchestrator.http.auth import auth_subprotocol
from orchestrator.http.env import current_env
from orchestrator.workbench.live import LiveClient, encode

routes = Blueprint("live", __name__)


@routes.websocket("/live")
async def live() -> None:
    env = current_env()
    # The object itself, not the context-local proxy: the pump task runs outside this one.
    ws: Websocket = cast(Any, websocket)._get_current_object()
    await ws.accept(subprotocol=auth_subprotocol(ws.requested_subprotocols))
    client = env.live.connect()
    client.offer(encode({"type": "hello", "mode": env.mode, "project": env.project.root.name}))
    try:
        with client.cancel_scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_pump, client, ws)
                while True:
                    await ws.receive()  # the page sends nothing we act on
    finally:
        env.live.disconnect(client)


async def _pump(client: LiveClient, ws: Websocket) -> None:
    async for text in client.receive:
        await ws.send(text)
        dropped = client.take_dropped()
        if dropped:
            await ws.send(encode({"type": "dropped", "count": dropped}))

"""Stream WebSockets (docs/reference.md §5): Motia's protocol on `/` and `/__streams`, and
the seed's `/streams/{streamName}/{groupId}` (that group's snapshot, then its changes).

Each connection has two tasks: one reads the client's join/leave messages and
acts on them in order; the other drains the connection's outbox into the socket.
The hub only ever offers text to the outbox, so a slow socket stalls nobody else.
"""

from __future__ import annotations

from typing import Any, cast

import trio
from quart import Websocket, websocket
from quart_trio import QuartTrio

from orchestrator.http.auth import auth_request, auth_subprotocol, bearer, subprotocol_token
from orchestrator.http.env import HttpEnv, current_env
from orchestrator.services.streams.hub import Client
from orchestrator.services.streams.messages import (
    BadMessage,
    Channel,
    Subscription,
    parse_client_message,
)
from orchestrator.services.streams.service import StreamsService

DROPPED_CLOSE_CODE = 1008
REFUSED_CLOSE_CODE = 1008  # policy violation: authenticateStream refused the connection


def register_stream_sockets(app: QuartTrio) -> None:
    @app.websocket("/")
    @app.websocket("/__streams")
    async def motia_socket() -> None:
        await _serve(current_env(), None)

    @app.websocket("/streams/<stream_name>/<group_id>")
    async def seed_socket(stream_name: str, group_id: str) -> None:
        seed = Subscription("join", Channel(stream_name, group_id), "seed")
        await _serve(current_env(), seed)


def auth_token(ws: Websocket) -> str | None:
    """The client's token: the value after `Authorization` in the subprotocols (Motia's
    way), else `?authToken=` (Motia's older way), else an `Authorization: Bearer` header."""
    return (
        subprotocol_token(ws.requested_subprotocols)
        or ws.args.get("authToken")
        or bearer(ws.headers.get("authorization", ""))
    )


async def _serve(env: HttpEnv, seed: Subscription | None) -> None:
    service = env.streams
    # The object itself, not the context-local proxy: the pump task runs outside this one.
    ws: Websocket = cast(Any, websocket)._get_current_object()
    if service is None:
        await ws.close(1011, "streams are not available")
        return
    # Before the handshake completes, as Motia's engine authenticates in its upgrade handler.
    authentication = await service.auth.authenticate(auth_request(ws), auth_token(ws))
    await ws.accept(subprotocol=auth_subprotocol(ws.requested_subprotocols))
    if authentication.refusal is not None:
        # Accepted first so that the client reads the reason in the close frame.
        await ws.close(REFUSED_CLOSE_CODE, authentication.refusal)
        return
    label = f"{ws.remote_addr or '?'}{ws.path}"
    client = service.hub.connect(label, authentication.context)
    try:
        with client.cancel_scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_pump, client, ws)
                if seed is not None:
                    await service.join(client, seed)
                while True:
                    raw = await ws.receive()
                    await _handle(service, client, raw)
    finally:
        service.hub.disconnect(client)
    if client.dropped:
        await ws.close(DROPPED_CLOSE_CODE, "too slow: the send buffer filled up")


async def _pump(client: Client, ws: Websocket) -> None:
    while True:
        try:
            text = await client.outbox.get()
        except trio.EndOfChannel:
            return
        await ws.send(text)


async def _handle(service: StreamsService, client: Client, raw: str | bytes) -> None:
    try:
        subscription = parse_client_message(raw)
    except BadMessage as exc:
        # Told, not disconnected: one bad message should not cost a client its other subscriptions.
        service.tell_error(client, str(exc), exc.code, exc.channel)
        return
    if subscription.action == "join":
        await service.join(client, subscription)
    else:
        service.leave(client, subscription)

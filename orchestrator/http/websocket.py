"""Stream WebSockets (docs/reference.md §5): Motia's protocol on `/` and `/__streams`, and
the seed's `/streams/{streamName}/{groupId}` (that group's snapshot, then its changes).

Served straight from the ASGI server, like API steps (step_requests.py): the sending
side needs two messages ASGI lacks (ws_server.py), and Quart's WebSocket wrapper adds a
task hop and a signal per message. Each connection has two tasks: one reads the client's
join/leave messages and acts on them in order; the other drains the connection's outbox
into the socket, everything waiting in one write. The hub only ever offers messages to
the outbox, so a slow socket stalls nobody else.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import trio
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, WebsocketScope

from orchestrator.http.auth import auth_request, auth_subprotocol, bearer, subprotocol_token
from orchestrator.http.env import HttpEnv
from orchestrator.http.ws_server import accept_message, batch_message, direct_writer
from orchestrator.services.streams.hub import WRITE_GAP, Client
from orchestrator.services.streams.messages import (
    BadMessage,
    Channel,
    Subscription,
    parse_client_message,
)
from orchestrator.services.streams.service import StreamsService

DROPPED_CLOSE_CODE = 1008
REFUSED_CLOSE_CODE = 1008  # policy violation: authenticateStream refused the connection
_MOTIA_PATHS = ("/", "/__streams")


def is_stream_socket(path: str) -> bool:
    return path in _MOTIA_PATHS or _seed(path) is not None


def _seed(path: str) -> Subscription | None:
    """The seed socket's subscription for `/streams/{stream}/{group}`, else None."""
    parts = path.split("/")
    if len(parts) == 4 and parts[:2] == ["", "streams"] and parts[2] and parts[3]:
        return Subscription("join", Channel(parts[2], parts[3]), "seed")
    return None


def auth_token(scope: WebsocketScope) -> str | None:
    """The client's token: the value after `Authorization` in the subprotocols (Motia's
    way), else `?authToken=` (Motia's older way), else an `Authorization: Bearer` header."""
    query = dict(reversed(parse_qsl(scope["query_string"].decode("latin-1"))))
    return (
        subprotocol_token(list(scope["subprotocols"]))
        or query.get("authToken")
        or bearer(_header(scope, b"authorization"))
    )


async def serve_stream_socket(
    env: HttpEnv, scope: WebsocketScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """One stream socket, from its connect to its close (a path `is_stream_socket` took)."""
    if (await receive())["type"] != "websocket.connect":
        return
    service = env.streams
    if service is None:
        await send({"type": "websocket.close", "code": 1011, "reason": "streams are not available"})
        return
    # Before the handshake completes, as Motia's engine authenticates in its upgrade handler.
    authentication = await service.auth.authenticate(auth_request(scope), auth_token(scope))
    deflate = env.settings.stream_deflate
    await send(accept_message(auth_subprotocol(list(scope["subprotocols"])), deflate))
    if authentication.refusal is not None:
        # Accepted first so that the client reads the reason in the close frame.
        reason = authentication.refusal
        await send({"type": "websocket.close", "code": REFUSED_CLOSE_CODE, "reason": reason})
        return
    # Frames can be shared unless this client compresses: deflate on, and offered.
    framed = not (deflate and "permessage-deflate" in _header(scope, b"sec-websocket-extensions"))
    label = f"{(scope['client'] or ('?',))[0]}{scope['path']}"
    client = service.hub.connect(label, authentication.context)
    if framed:
        client.direct = direct_writer(send)
    try:
        with client.cancel_scope:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_pump, client, send, framed)
                seed = _seed(scope["path"])
                if seed is not None:
                    await service.join(client, seed)
                await _read(service, client, receive)
                nursery.cancel_scope.cancel()
    finally:
        service.hub.disconnect(client)
    if client.dropped:
        reason = "too slow: the send buffer filled up"
        await send({"type": "websocket.close", "code": DROPPED_CLOSE_CODE, "reason": reason})


async def _read(service: StreamsService, client: Client, receive: ASGIReceiveCallable) -> None:
    """Act on the client's messages in order until it disconnects."""
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        raw = message.get("text")
        await _handle(service, client, raw if raw is not None else message["bytes"])


async def _pump(client: Client, send: ASGISendCallable, framed: bool) -> None:
    next_write = 0.0
    while True:
        try:
            batch = await client.outbox.take(not_before=next_write)
        except trio.EndOfChannel:
            return
        frames = b"".join(m.frame for m in batch) if framed else None
        await send(batch_message([m.text for m in batch], frames))
        # The hub's writes to this client keep the same gap after this one (hub.py).
        next_write = client.quiet_at = trio.current_time() + WRITE_GAP


async def _handle(service: StreamsService, client: Client, raw: str | bytes | None) -> None:
    try:
        subscription = parse_client_message(raw or "")
    except BadMessage as exc:
        # Told, not disconnected: one bad message should not cost a client its other subscriptions.
        service.tell_error(client, str(exc), exc.code, exc.channel)
        return
    if subscription.action == "join":
        await service.join(client, subscription)
    else:
        service.leave(client, subscription)


def _header(scope: WebsocketScope, name: bytes) -> str:
    """Every value of header `name`, comma-joined ("" without one)."""
    return ", ".join(v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name)

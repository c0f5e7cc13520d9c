"""Two things Steppe's stream sockets ask of Hypercorn's WebSocket stream that ASGI has
no message for, added by wrapping one method (`WSStream.app_send`, Hypercorn 0.18):

- `websocket.accept` with `"steppe.deflate": False` accepts without permessage-deflate
  even when the client offers it. Hypercorn otherwise always agrees to it
  (`Handshake.accept` offers `PerMessageDeflate()` to every client), and then compresses
  every message once per subscriber: for small JSON that costs more than it saves.
- `steppe.websocket.send_batch` sends several messages in one socket write: `frames`,
  ready-made frames (the same bytes for every subscriber, `services/streams/outgoing.py`)
  when the connection carries plain frames, else `texts`, each framed here by wsproto.
  One write per batch, not per message, and straight to the socket when nothing else is
  writing to it (`_write_now`): Hypercorn's way to the socket was most of a stream
  message's cost.

`install()` is idempotent; under any other server, `websocket.accept`'s extra key is
ignored, and `send_batch` is only sent by the app that installed it.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any, cast

import trio
from hypercorn.protocol.events import Data
from hypercorn.protocol.h11 import H11Protocol
from hypercorn.protocol.ws_stream import ASGIWebsocketState, WSStream
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.typing import ASGISendEvent
from hypercorn.utils import UnexpectedMessageError
from wsproto.connection import ConnectionState
from wsproto.events import TextMessage
from wsproto.extensions import PerMessageDeflate
from wsproto.handshake import server_extensions_handshake
from wsproto.utilities import LocalProtocolError

DEFLATE_KEY = "steppe.deflate"
SEND_BATCH = "steppe.websocket.send_batch"

_AppSend = Callable[[WSStream, Any], Awaitable[None]]
_hypercorn_app_send: _AppSend = WSStream.app_send


def install() -> None:
    """Teach Hypercorn's WSStream the two messages (once per process)."""
    if WSStream.app_send is not _app_send:
        WSStream.app_send = _app_send  # type: ignore[method-assign,assignment]


def accept_message(subprotocol: str | None, deflate: bool) -> ASGISendEvent:
    """`websocket.accept`, agreeing to permessage-deflate only when `deflate`."""
    message = {"type": "websocket.accept", "subprotocol": subprotocol, DEFLATE_KEY: deflate}
    return cast(ASGISendEvent, message)


def batch_message(texts: list[str], frames: bytes | None) -> ASGISendEvent:
    """The ASGI message sending `texts` in one write (`frames`: them, framed, or None)."""
    return cast(ASGISendEvent, {"type": SEND_BATCH, "texts": texts, "frames": frames})


async def _app_send(stream: WSStream, message: Any) -> None:
    if message is not None:
        kind = message["type"]
        if kind == SEND_BATCH:
            await _send_batch(stream, message)
            return
        if (
            kind == "websocket.accept"
            and message.get(DEFLATE_KEY) is False
            and stream.state == ASGIWebsocketState.HANDSHAKE
        ):
            # The offer is forgotten before Hypercorn answers it: nothing is negotiated.
            stream.handshake.extensions = None
    await _hypercorn_app_send(stream, message)


async def _send_batch(stream: WSStream, message: dict[str, Any]) -> None:
    if stream.closed:
        return  # as Hypercorn does for a send after the client went away
    if stream.state != ASGIWebsocketState.CONNECTED:
        raise UnexpectedMessageError(stream.state, SEND_BATCH)
    if stream.connection.state != ConnectionState.OPEN:
        return  # a close is under way: wsproto would refuse each message too
    frames: bytes | None = message["frames"]
    if frames is None or not _plain(stream):
        try:
            frames = b"".join(stream.connection.send(TextMessage(data=t)) for t in message["texts"])
        except LocalProtocolError:
            return
    written = _write_now(stream, frames)
    if written < len(frames):
        # Shielded, as Hypercorn's own writes are: a frame cut short by a cancellation
        # would garble every byte after it (the close frame of a dropped client).
        with trio.CancelScope(shield=True):
            await stream.send(Data(stream_id=stream.stream_id, data=frames[written:]))


def direct_writer(send: Any) -> Callable[[bytes], int] | None:
    """For a stream socket's ASGI `send`, once it accepted: a function that writes ready
    frames straight to the socket now and says how many bytes went (0 when it cannot
    now: the rest must go by `send_batch`, first); None when the connection is not one
    `_write_now` sees into, or carries an extension. The hub calls it for a client with
    nothing waiting, so a change reaches an idle client's socket without waking that
    client's task; what it looks up once here it would otherwise look up per write of
    every subscriber."""
    stream = getattr(send, "__self__", None)
    if not isinstance(stream, WSStream):
        return None
    server = _tcp_server(stream)
    if server is None or not _plain(stream):
        return None
    lock, socket, connection = server.send_lock, server.stream.socket, stream.connection

    def write(frames: bytes) -> int:
        # As `_write_now`: only while no other write is under way on the connection.
        if (
            stream.closed
            or stream.state != ASGIWebsocketState.CONNECTED
            or connection.state != ConnectionState.OPEN
            or lock.locked()
        ):
            return 0
        try:
            return os.write(socket.fileno(), frames)
        except OSError:
            return 0

    return write


def _write_now(stream: WSStream, data: bytes) -> int:
    """Write what the socket takes now, without a task switch; how many bytes went.

    Hypercorn's way down (its send lock, a shielded cancel scope, trio's `send_all` and
    its checkpoint) costs 20-40 µs a write, the system call about 1. So when nothing else
    is writing to the connection (the lock is free: then no other write can start before
    this one ends, the loop being single-threaded), the bytes go straight to the socket;
    what it does not take (0 when full or broken, or on any connection this cannot see
    into: TLS, HTTP/2) goes Hypercorn's way, which also notices a broken connection."""
    server = _tcp_server(stream)
    if server is None or server.send_lock.locked():
        return 0
    try:
        return os.write(server.stream.socket.fileno(), data)
    except OSError:
        return 0


def _tcp_server(stream: WSStream) -> TCPServer | None:
    """The plain-TCP HTTP/1.1 server connection under `stream`, else None. A stream's
    `send` is its H11Protocol's `stream_send`, whose `send` is TCPServer's."""
    protocol = getattr(stream.send, "__self__", None)
    server = getattr(getattr(protocol, "send", None), "__self__", None)
    if (
        isinstance(protocol, H11Protocol)
        and isinstance(server, TCPServer)
        and isinstance(server.stream, trio.SocketStream)
    ):
        return server
    return None


def _plain(stream: WSStream) -> bool:
    """Whether the connection agreed on no extension, so a frame goes out as built:
    the same question Hypercorn's handshake asked, put to a fresh extension."""
    offers = stream.handshake.extensions
    return not offers or server_extensions_handshake(offers, [PerMessageDeflate()]) is None

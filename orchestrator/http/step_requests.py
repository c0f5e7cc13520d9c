"""API step requests straight from the ASGI server, without Quart's request machinery.

An API step uses none of what Quart builds for a request (its request and response
objects, a task to read the body beside one to handle it, URL routing, hooks), and
that machinery is about 40% of a bare Quart route's CPU time per request. So
`SteppeApp` (app.py) hands every HTTP request that no fixed route answers to
`serve_step_request`, which reads the body from `receive` (with the size limit and
the body timeout), lets `api.serve_api_request` answer, and sends the answer.
Fixed routes (admin, workbench, streams REST, OpenAPI), the admin WebSocket and the
lifespan stay with Quart.
"""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import parse_qsl

import trio
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, HTTPScope
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, WebsocketMismatch

from orchestrator.core.tracing import new_trace_id
from orchestrator.http.api import (
    BODILESS_STATUSES,
    ApiRequest,
    ApiResponse,
    BodyTimeout,
    BodyTooLarge,
    api_error,
    serve_api_request,
)
from orchestrator.http.env import HttpEnv
from orchestrator.runtime.response_stream import ResponseStream

log = logging.getLogger("steppe.http")


class ClientGone(Exception):
    """The client disconnected before its request body had arrived."""


class FixedRoutes:
    """Which requests one of Quart's own HTTP routes answers. Only paths that begin like
    a fixed route are matched against Quart's URL map, so an API step's path costs one
    `startswith`."""

    def __init__(self, url_map: Map) -> None:
        http_rules = [rule for rule in url_map.iter_rules() if not rule.websocket]
        self._prefixes = tuple(sorted({rule.rule.split("<", 1)[0] for rule in http_rules}))
        self._adapter = url_map.bind("localhost")

    def answer(self, method: str, path: str) -> bool:
        if not path.startswith(self._prefixes):
            return False
        try:
            self._adapter.match(path, method)
        except (NotFound, MethodNotAllowed, WebsocketMismatch):
            return False
        except RequestRedirect:
            pass  # to a fixed route's canonical path: Quart sends the redirect
        return True


class AsgiBody:
    """A request body read from `receive` on demand, at most `limit` bytes."""

    def __init__(
        self, receive: ASGIReceiveCallable, headers: dict[str, str], limit: int, timeout: float
    ) -> None:
        self._receive = receive
        self._limit = limit
        self._timeout = timeout
        self._length = headers.get("content-length")
        # A request that announces no body (most GETs) is not read at all: waiting for
        # the end of an empty body costs a trip through the scheduler.
        self._unread = self._length not in (None, "0") or "transfer-encoding" in headers

    async def read(self) -> bytes:
        """The whole body. Raises BodyTooLarge (announced or found), BodyTimeout, or
        ClientGone."""
        if not self._unread:
            return b""
        self._unread = False  # one try: whatever it meets, `discard` has nothing left to do
        if self._length is not None and self._length.isdigit() and int(self._length) > self._limit:
            # Left unread: Hypercorn closes the connection once we have answered.
            raise BodyTooLarge()
        chunks: list[bytes] = []
        size = 0
        with trio.move_on_after(self._timeout):
            while True:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone()
                chunk = message.get("body", b"")
                assert isinstance(chunk, bytes)
                size += len(chunk)
                if size > self._limit:
                    raise BodyTooLarge()
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        raise BodyTimeout(f"the body did not arrive within {self._timeout:g}s")

    async def discard(self) -> None:
        """Read and drop a body the answer does not need, before answering: a response
        sent while the body is still arriving makes Hypercorn close the connection
        afterwards, so the client's next request on it would fail."""
        # Too large, too slow or gone: the connection closes, which is right then.
        with contextlib.suppress(BodyTooLarge, BodyTimeout, ClientGone):
            await self.read()


def _headers(scope: HTTPScope) -> dict[str, str]:
    # Straight from the ASGI scope (names already lower case): building werkzeug's
    # Headers object first would cost more than the whole dict.
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        key = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _query(query_string: bytes) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {}
    if not query_string:
        return query
    text = query_string.decode("utf-8", "replace")
    for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        earlier = query.get(name)
        if earlier is None:
            query[name] = value
        elif isinstance(earlier, list):
            earlier.append(value)
        else:
            query[name] = [earlier, value]
    return query


def _raw_path(scope: HTTPScope) -> str:
    raw = scope.get("raw_path")
    return raw.decode("utf-8", errors="replace").split("?", 1)[0] if raw else scope["path"]


async def _send(send: ASGISendCallable, response: ApiResponse) -> None:
    headers = [(name.encode("latin-1"), value.encode()) for name, value in response.headers.items()]
    if response.status not in BODILESS_STATUSES:
        headers.append((b"content-length", str(len(response.body)).encode()))
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": headers,
            "trailers": False,
        }
    )
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def serve_step_request(
    env: HttpEnv,
    scope: HTTPScope,
    receive: ASGIReceiveCallable,
    send: ASGISendCallable,
    body_timeout: float,
) -> None:
    headers = _headers(scope)
    body = AsgiBody(receive, headers, env.settings.body_limit, body_timeout)
    request = ApiRequest(
        method=scope["method"],
        path=scope["path"],
        raw_path=_raw_path(scope),
        headers=headers,
        query=_query(scope["query_string"]),
        read_body=body.read,
    )
    response: ApiResponse | None = None
    with env.in_flight.track():
        if not env.in_flight.closed:
            response = await _answer(env, request, send, receive)
            if response is None:
                return  # the client left before its body arrived
    if request.head_sent:
        return  # streamed, or cut short by the shutdown: its status line is out either way
    if response is None:  # ended by the shutdown's grace running out (in_flight.py)
        response = _shutting_down()
    else:
        await body.discard()
    await _send(send, response)


async def _answer(
    env: HttpEnv, request: ApiRequest, send: ASGISendCallable, receive: ASGIReceiveCallable
) -> ApiResponse | None:
    """The answer (already sent when the handler streamed it); None when the client left
    before its body arrived."""
    if not env.may_stream:
        return await _serve(env, request)
    # The request's own tasks: a handler streaming its answer runs on in here.
    async with trio.open_nursery() as tasks:
        request.tasks = tasks
        response = await _serve(env, request)
        if response is not None and response.stream is not None:
            request.head_sent = True
            await _send_streamed(send, receive, response, response.stream)
        return response


async def _serve(env: HttpEnv, request: ApiRequest) -> ApiResponse | None:
    # Nothing raised may leave the request's nursery: trio would wrap it in a group.
    try:
        return await serve_api_request(env, request)
    except ClientGone:
        return None
    except Exception:
        log.exception("unexpected error serving %s %s", request.method, request.path)
        return api_error(500, "internal error", new_trace_id())


async def _send_streamed(
    send: ASGISendCallable,
    receive: ASGIReceiveCallable,
    response: ApiResponse,
    stream: ResponseStream,
) -> None:
    """The head at once, then each chunk as the handler writes it (chunked transfer, no
    content-length), until the handler ends it or its invocation is over. An answer
    cut short (the handler threw or timed out) ends without the closing chunk, so the
    client can tell it is incomplete. The client leaving cancels the handler."""
    headers = [(name.encode("latin-1"), value.encode()) for name, value in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    async with trio.open_nursery() as watching:
        watching.start_soon(_watch_disconnect, receive, stream, watching.cancel_scope)
        while (chunk := await stream.next_chunk()) is not None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        watching.cancel_scope.cancel()
    if stream.failure is None and not stream.gone:
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _watch_disconnect(
    receive: ASGIReceiveCallable, stream: ResponseStream, scope: trio.CancelScope
) -> None:
    # The body was read before the handler ran: what comes now is the disconnect.
    while (await receive())["type"] != "http.disconnect":
        pass
    stream.leave()
    scope.cancel()


def _shutting_down() -> ApiResponse:
    return api_error(
        503,
        "server shutting down",
        new_trace_id(),
        message="the request did not finish within the shutdown grace period; retry",
    )

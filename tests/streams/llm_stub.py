"""A TEST stand-in for an OpenAI-compatible chat-completions server (an external service
the chat example calls): `POST /v1/chat/completions` with `stream: true` answers with
server-sent events whose tokens spell a TEST reply. It records each request."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import trio

TEST_KEY = "TEST-KEY"
TEST_TOKENS = ("TEST", " reply", " from", " the", " TEST", " model", ".")


@dataclass
class LlmStandIn:
    """The running TEST server: its base URL (what LLM_BASE_URL should be) and its log."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    tokens: tuple[str, ...] = TEST_TOKENS
    delay: float = 0.02


async def start_test_llm(nursery: trio.Nursery) -> LlmStandIn:
    llm = LlmStandIn(url="")

    async def serve(stream: trio.SocketStream) -> None:
        async with stream:
            await _answer(llm, stream)

    listeners = await nursery.start(partial(trio.serve_tcp, serve, 0, host="127.0.0.1"))
    port = listeners[0].socket.getsockname()[1]
    llm.url = f"http://127.0.0.1:{port}/v1"
    return llm


async def _answer(llm: LlmStandIn, stream: trio.SocketStream) -> None:
    head, body = await _read_request(stream)
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
    llm.requests.append({"method": method, "path": path, "headers": headers, "body": body})
    if (method, path) != ("POST", "/v1/chat/completions"):
        await stream.send_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return
    if headers.get("authorization") != f"Bearer {TEST_KEY}":
        await stream.send_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
        return
    await stream.send_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
    )
    for token in llm.tokens:
        chunk = {
            "id": "chatcmpl-TEST",
            "object": "chat.completion.chunk",
            "model": "TEST",
            "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": None}],
        }
        await stream.send_all(f"data: {json.dumps(chunk)}\n\n".encode())
        await trio.sleep(llm.delay)
    await stream.send_all(b"data: [DONE]\n\n")


async def _read_request(stream: trio.SocketStream) -> tuple[bytes, Any]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = await stream.receive_some(65536)
        if not chunk:
            raise ConnectionError("the client left before its request ended")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(rest) < length:
        rest += await stream.receive_some(65536)
    return head, json.loads(rest) if rest else None

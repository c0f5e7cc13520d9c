"""The floor under any Python web framework: a bare ASGI callable on the same Hypercorn
config as `bare_app` (no framework at all). Steppe serves API steps without Quart's
request machinery, so this, not the bare Quart route, is what a step could at most reach.

Run as `python -m bench.bare_asgi PORT`.
"""

from __future__ import annotations

import json

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from bench.bare_app import serve_on_argv_port

BODY = json.dumps({"ok": True}).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(
        {"type": "http.response.start", "status": 200, "headers": HEADERS, "trailers": False}
    )
    await send({"type": "http.response.body", "body": BODY, "more_body": False})


if __name__ == "__main__":
    serve_on_argv_port(app)

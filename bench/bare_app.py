"""The floor for an API step: a bare Quart-Trio route on the same Hypercorn config.

Run as `python -m bench.bare_app PORT`.
"""

from __future__ import annotations

import json
import sys

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from hypercorn.typing import ASGIFramework
from quart import Response
from quart_trio import QuartTrio

app = QuartTrio("bare")


@app.get("/ping")
async def ping() -> Response:
    return Response(json.dumps({"ok": True}), status=200, content_type="application/json")


def serve_on_argv_port(framework: ASGIFramework) -> None:
    """Serve on 127.0.0.1 at the port given as the first argument, on the Hypercorn
    config both floors share (no access log, as `steppe start`)."""
    config = Config()
    config.bind = [f"127.0.0.1:{sys.argv[1]}"]
    config.accesslog = None
    trio.run(serve, framework, config)


if __name__ == "__main__":
    serve_on_argv_port(app)

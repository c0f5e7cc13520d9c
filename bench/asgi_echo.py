"""The floor under an API step at one connection: the bare ASGI callable of
`bare_asgi`, on the same Hypercorn config, making one round trip to a runner's echo
program per request (the same RpcSession code as an invoke, its spin included) before
it answers. What an API step costs above this is Steppe's (routing, trace, the
handler's context, the runner's invoke); what this costs above the bare callable is
the process hop alone.

Run as `python -m bench.asgi_echo PORT LANGUAGE`.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any, cast

import trio
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope

from bench.bare_app import serve_on_argv_port
from bench.bare_asgi import BODY, HEADERS
from bench.invoke import ECHO_PARAMS
from orchestrator.core.types import Language
from orchestrator.rpc.session import RpcSession
from orchestrator.runtime.languages import runner_spec

_session: RpcSession | None = None


async def _refuse(method: str, params: Any) -> Any:
    raise RuntimeError(method)


async def _lifespan(receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    global _session
    spec = runner_spec(cast(Language, sys.argv[2]))
    process = await trio.lowlevel.open_process(
        list(spec.echo_argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=spec.environment()
    )
    assert process.stdin is not None and process.stdout is not None
    session = RpcSession(
        process.stdin, process.stdout, on_request=_refuse, on_note=lambda m, p: None, name="echo"
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        _session = session
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        nursery.cancel_scope.cancel()
    process.kill()
    await send({"type": "lifespan.shutdown.complete"})


async def app(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    assert _session is not None
    await _session.call("ping", ECHO_PARAMS, spin_key="echo")
    await send(
        {"type": "http.response.start", "status": 200, "headers": HEADERS, "trailers": False}
    )
    await send({"type": "http.response.body", "body": BODY, "more_body": False})


if __name__ == "__main__":
    serve_on_argv_port(app)

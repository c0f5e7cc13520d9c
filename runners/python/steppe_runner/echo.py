"""The echo program: answers every request `{t:'req', id, m, p}` with `{t:'res', id, ok:true, r:p}`.

Same channel set-up, reading and batching code as the runner and nothing else: the
floor the benchmarks compare an invocation to. `python -m steppe_runner.echo`
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from .framing import BadFrame, Connection, FrameError, encode_error, encode_response
from .loop import run
from .stdio import take_protocol_fds


class Echo:
    def __init__(self) -> None:
        self.connection = Connection(self)

    def on_request(self, request_id: int, method: str, params: Any) -> None:
        self.connection.send(encode_response(request_id, params))

    def on_response(
        self, request_id: int, ok: bool, result: Any, error: dict[str, Any] | None
    ) -> None:
        pass

    def on_note(self, method: str, params: Any) -> None:
        pass

    def on_eof(self) -> None:
        os._exit(0)

    def on_bad_frame(self, bad: BadFrame) -> None:
        if (request_id := bad.request_id) is not None:
            self.connection.send(encode_error(request_id, bad.error("python echo")))

    def on_frame_error(self, error: FrameError) -> None:
        print(f"steppe python echo: protocol error, exiting: {error}", file=sys.stderr)
        os._exit(1)


async def _serve() -> None:
    echo = Echo()
    await echo.connection.open(*take_protocol_fds())
    await asyncio.Future()  # ends through on_eof


if __name__ == "__main__":
    run(_serve())

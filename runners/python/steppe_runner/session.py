"""The runner's own requests to the orchestrator (a step's context calls) and their answers.

The runner numbers its requests itself and keeps each one pending until the response
with its id arrives. Everything happens on the event-loop thread; a plain `def`
handler's worker thread hands its request over to the loop and blocks for the value.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future as ThreadFuture
from functools import partial
from typing import Any

from .errors import CallError
from .framing import Connection, encode_note, encode_request

# Turns a result into the shape the call promises (a list that also has .values()).
Wrap = Callable[[Any], Any]


class Session:
    """Request ids, pending calls, and the matching of responses to them."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[asyncio.Future[Any], Wrap | None]] = {}

    def request(self, method: str, params: Any, wrap: Wrap | None = None) -> Any:
        """Send a request; on the loop thread returns a future, elsewhere blocks for the value.

        The future resolves to `r` (through `wrap`), or fails with a CallError named by `e`.
        """
        if threading.get_ident() == self._loop_thread:
            return self._request(method, params, wrap)
        waiter: ThreadFuture[Any] = ThreadFuture()
        self._loop.call_soon_threadsafe(self._request_for_thread, method, params, wrap, waiter)
        return waiter.result()

    def note(self, method: str, params: Any) -> None:
        """Send a note, from any thread."""
        if threading.get_ident() == self._loop_thread:
            self._connection.send(encode_note(method, params))
        else:
            self._loop.call_soon_threadsafe(self.note, method, params)

    def settle(self, request_id: int, ok: bool, result: Any, error: dict[str, Any] | None) -> None:
        """Settle the call a response answers (a response to no call is ignored)."""
        entry = self._pending.pop(request_id, None)
        if entry is None:
            return
        future, wrap = entry
        if future.done():  # the handler stopped waiting (cancelled, timed out)
            return
        if ok and wrap is not None:
            try:
                future.set_result(wrap(result))
            except Exception as exc:  # not the shape the call promises
                future.set_exception(exc)
        elif ok:
            future.set_result(result)
        else:
            assert error is not None  # framing.check guarantees it
            name = str(error.get("name") or "Error")
            future.set_exception(CallError.named(name, str(error.get("message") or "")))

    def _request(self, method: str, params: Any, wrap: Wrap | None) -> asyncio.Future[Any]:
        request_id = next(self._ids)
        frame = encode_request(request_id, method, params)
        future = self._loop.create_future()
        self._pending[request_id] = (future, wrap)
        self._connection.send(frame)
        return future

    def _request_for_thread(
        self, method: str, params: Any, wrap: Wrap | None, waiter: ThreadFuture[Any]
    ) -> None:
        try:
            future = self._request(method, params, wrap)
        except Exception as exc:
            waiter.set_exception(exc)
            return
        future.add_done_callback(partial(_hand_to_thread, waiter))


def _hand_to_thread(waiter: ThreadFuture[Any], future: asyncio.Future[Any]) -> None:
    """Hand the outcome of a request made for a handler thread to that thread."""
    if future.cancelled():
        waiter.cancel()
    elif (exc := future.exception()) is not None:
        waiter.set_exception(exc)
    else:
        waiter.set_result(future.result())

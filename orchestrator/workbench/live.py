"""The workbench's live feed: every log entry, every finished span with its trace, and
every finished request's trace, pushed to each connected page over one WebSocket
(`/__steppe/api/live`):

    {"type": "hello", "mode", "project"}       on connecting
    {"type": "log", "entry": {...}}            a log entry, as the admin API's /logs has it
    {"type": "span", "span": {...}, "trace"}   a span ended (event, cron, or a failed API call)
    {"type": "trace", "trace": {...}}          an HTTP request's trace ended
    {"type": "dropped", "count": n}            n messages were dropped for this page

One LogSink listener per server (its LiveHub) fans out to every client. An entry is
encoded once and offered to each client's bounded buffer; offering never waits, so a
page that stops reading never slows a handler down. When a buffer is full the entry is
dropped for that client only, and the client is told how many it missed.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

import trio

from orchestrator.core.logs import LogSink
from orchestrator.core.tracing import Tracer

DEFAULT_BUFFER = 1000
"""Messages a client may have waiting; beyond that, new ones are dropped for it."""

TraceLookup = Callable[[str], dict[str, Any] | None]


def trace_summaries(tracer: Tracer) -> TraceLookup:
    """The lookup a hub sends traces with: a trace's summary, None once `tracer` forgot it."""

    def summary(trace_id: str) -> dict[str, Any] | None:
        trace = tracer.get(trace_id)
        return None if trace is None else trace.summary_json()

    return summary


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, default=str, ensure_ascii=False, separators=(",", ":"))


class LiveClient:
    """One page's connection: a bounded buffer that its own task drains into the socket."""

    def __init__(self, number: int, buffer: int) -> None:
        self.number = number
        send, receive = trio.open_memory_channel[str](buffer)
        self._send = send
        self.receive = receive
        self.dropped = 0
        self.cancel_scope = trio.CancelScope()

    def offer(self, text: str) -> bool:
        """Queue `text` without waiting; False (and counted) when the buffer is full."""
        try:
            self._send.send_nowait(text)
        except trio.WouldBlock:
            self.dropped += 1
            return False
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            return False
        return True

    def take_dropped(self) -> int:
        """How many messages were dropped since the last call."""
        dropped, self.dropped = self.dropped, 0
        return dropped

    def close(self) -> None:
        self._send.close()
        self.cancel_scope.cancel()


class LiveHub:
    """Every live client of one server, and the LogSink listener that feeds them. The
    server's wiring creates one and closes its clients (`close_all`) when stopping."""

    def __init__(self, logs: LogSink, trace_of: TraceLookup, *, buffer: int = DEFAULT_BUFFER):
        self._logs = logs
        self._trace_of = trace_of
        self._buffer = buffer
        self._numbers = 0
        self.clients: set[LiveClient] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._thread: int | None = None

    def connect(self) -> LiveClient:
        """A new client; call from the Trio thread."""
        self._numbers += 1
        client = LiveClient(self._numbers, self._buffer)
        if self._unsubscribe is None:
            self._token = trio.lowlevel.current_trio_token()
            self._thread = threading.get_ident()
            self._unsubscribe = self._logs.subscribe(self._on_entry)
        self.clients.add(client)
        return client

    def disconnect(self, client: LiveClient) -> None:
        self.clients.discard(client)
        client.close()
        if not self.clients and self._unsubscribe is not None:
            # With nobody listening, logging costs nothing extra.
            self._unsubscribe()
            self._unsubscribe = None

    def close_all(self) -> None:
        """End every connection (shutdown): an open socket would hold the server's
        graceful stop for its whole timeout."""
        for client in list(self.clients):
            self.disconnect(client)

    def _on_entry(self, entry: dict[str, Any]) -> None:
        # Entries may be written from a worker thread; clients are touched on Trio's.
        if threading.get_ident() == self._thread:
            self.broadcast(entry)
        elif self._token is not None:
            with contextlib.suppress(trio.RunFinishedError):
                self._token.run_sync_soon(self.broadcast, entry)

    def broadcast(self, entry: dict[str, Any]) -> None:
        """Offer the entry (and the trace it finished, if any) to every client."""
        if not self.clients:
            return
        messages = [encode({"type": "log", "entry": entry})]
        fields = entry.get("fields")
        span = fields.get("span") if isinstance(fields, dict) else None
        trace_id = entry.get("traceId")
        if entry.get("source") == "tracing" and isinstance(span, dict):
            trace = self._trace_of(str(span.get("traceId") or trace_id or ""))
            messages.append(encode({"type": "span", "span": span, "trace": trace}))
        elif entry.get("source") == "http" and trace_id:
            # A request's access line: its trace (and API span) just finished. A successful
            # API span logs nothing of its own.
            trace = self._trace_of(str(trace_id))
            if trace is not None:
                messages.append(encode({"type": "trace", "trace": trace}))
        for client in list(self.clients):
            for text in messages:
                client.offer(text)

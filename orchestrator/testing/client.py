"""`steppe`, the pytest fixture's object: drive the project under test from a plain
synchronous test (docs/reference.md §13).

HTTP goes to the real server; events, state, streams and logs are read in process,
on the server's loop (TestServer.call).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, cast

from orchestrator.core.errors import SteppeError
from orchestrator.core.types import JSON
from orchestrator.model.step import StreamDef
from orchestrator.services.state_writes import StateWriter
from orchestrator.services.streams.service import StreamsService
from orchestrator.testing.server import TestServer

# Straight to 127.0.0.1: an http_proxy in the environment must not see test traffic.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FlowTimeout(SteppeError):
    """Raised by `wait_idle` when events are still being handled after its timeout."""


@dataclass(frozen=True)
class Response:
    """An HTTP answer: `status` (also `status_code`), lower-case `headers`, `text`, and
    `body`, the JSON it carried (None when it is not JSON)."""

    status: int
    headers: dict[str, str]
    text: str
    body: Any

    @property
    def status_code(self) -> int:
        return self.status

    def json(self) -> Any:
        return self.body


@dataclass
class Watcher:
    """Events emitted on one topic since `watch(topic)`: each `{topic, data, traceId,
    flows}` (flows left out when the emitting step has none), oldest first."""

    topic: str
    _client: Steppe
    _events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def events(self) -> list[dict[str, Any]]:
        self._client.collect_events()
        return list(self._events)

    @property
    def last(self) -> dict[str, Any] | None:
        events = self.events
        return events[-1] if events else None

    def __len__(self) -> int:
        return len(self.events)


class Steppe:
    """One test's handle on the served project; its stores were emptied for it."""

    def __init__(self, server: TestServer) -> None:
        self._server = server
        self.url = server.url
        self.state = StateAccess(server)
        self.streams = StreamsAccess(server)
        self._watchers: list[Watcher] = []
        server.call(server.bench.reset)
        # Cursor 0 reads everything since the reset (journal cursors count from the start).
        self._event_cursor = self._log_cursor = 0

    # HTTP

    def request(
        self,
        method: str,
        path: str,
        body: JSON = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Call the server; a JSON body when `body` is not None."""
        sent = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("content-type", "application/json")
        request = urllib.request.Request(
            self.url + path, data=data, headers=sent, method=method.upper()
        )
        try:
            with _opener.open(request, timeout=60) as answer:
                response = _response(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as answer:
            response = _response(answer.code, dict(answer.headers.items()), answer.read())
        self.collect_events()
        return response

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, None, headers)

    def post(
        self, path: str, body: JSON = None, *, headers: dict[str, str] | None = None
    ) -> Response:
        return self.request("POST", path, body, headers)

    def put(
        self, path: str, body: JSON = None, *, headers: dict[str, str] | None = None
    ) -> Response:
        return self.request("PUT", path, body, headers)

    def patch(
        self, path: str, body: JSON = None, *, headers: dict[str, str] | None = None
    ) -> Response:
        return self.request("PATCH", path, body, headers)

    def delete(self, path: str, *, headers: dict[str, str] | None = None) -> Response:
        return self.request("DELETE", path, None, headers)

    # Events

    def emit(self, topic: str, data: JSON = None, *, trace_id: str | None = None) -> str:
        """Publish an event as if a step had; its subscribers get it. Returns its trace id."""
        event: dict[str, Any] = {"topic": topic, "data": data, "traceId": trace_id}
        trace = self._server.call(self._server.bench.emit, event)
        self.collect_events()
        return trace

    def watch(self, topic: str) -> Watcher:
        """Capture the events emitted on `topic` from now on."""
        self.collect_events()
        watcher = Watcher(topic, self)
        self._watchers.append(watcher)
        return watcher

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until every accepted event is handled, retries included (a delivery that failed
        is retried after its backoff, or dead-lettered, before this returns)."""
        if not self._server.call(self._server.bench.wait_idle, timeout):
            raise FlowTimeout(f"events were still being handled after {timeout} s")
        self.collect_events()

    def collect_events(self) -> None:
        """Hand the events emitted since the last look to the watchers."""
        events, self._event_cursor = self._server.read(
            self._server.bench.events, self._event_cursor
        )
        for event in events:
            for watcher in self._watchers:
                if watcher.topic == event["topic"]:
                    watcher._events.append(event)

    def dead_letters(self) -> list[dict[str, Any]]:
        """The deliveries that failed their last retry, newest first (docs/reference.md §6)."""

        async def read() -> list[dict[str, Any]]:
            return [d.as_json() for d in await self._server.bench.services.bus.store.dead_letters()]

        return self._server.call(read)

    # One step, no server

    def run(
        self,
        step: str,
        data: JSON = None,
        *,
        params: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Invoke one step with a recording context, as `steppe run` does: emits checked and
        recorded, not delivered; state in a memory store of its own. Returns `{step,
        traceId, result, emits, stateWrites, logs}`; raises RemoteError when it throws."""
        bench = self._server.bench
        return self._server.call(bench.run, step, data, params or {}, query or {})

    # Logs

    def logs(self) -> list[dict[str, Any]]:
        """The log entries written since this test began (docs/reference.md §8)."""
        entries, _ = self._server.read(self._server.bench.logs, self._log_cursor)
        return entries


class StateAccess:
    """The state store of the project under test (docs/reference.md §3). Its writes are
    changes like the admin API's: state triggers see them."""

    def __init__(self, server: TestServer) -> None:
        self._server = server

    def _store(self) -> Any:
        return self._server.bench.services.env.state

    def _writes(self) -> StateWriter:
        env = self._server.bench.services.env
        return StateWriter(env.state, env.changes)

    def get(self, group: str, key: str) -> JSON:
        return self._server.call(self._store().get, group, key)

    def set(self, group: str, key: str, value: JSON) -> JSON:
        return self._server.call(self._writes().set, group, key, value, None)

    def delete(self, group: str, key: str) -> JSON:
        return self._server.call(self._writes().delete, group, key, None)

    def get_group(self, group: str) -> list[JSON]:
        return self._server.call(self._store().get_group, group)

    def items(self, group: str) -> dict[str, JSON]:
        return dict(self._server.call(self._store().items, group))

    def groups(self) -> list[str]:
        return self._server.call(self._store().groups)

    def clear(self, group: str) -> None:
        self._server.call(self._writes().clear, group, None)


class StreamsAccess:
    """The streams of the project under test, by name (docs/reference.md §5)."""

    def __init__(self, server: TestServer) -> None:
        self._server = server

    def _stream(self, name: str) -> tuple[StreamsService, StreamDef]:
        service = self._server.bench.services.env.streams
        stream = service.resolve(name) if service is not None else None
        if service is None or stream is None:
            raise SteppeError(f"the project has no stream named {name!r}")
        return service, stream

    def get(self, stream: str, group: str, item_id: str) -> dict[str, Any] | None:
        service, found = self._stream(stream)
        return self._server.call(service.get, found, group, item_id)

    def get_group(self, stream: str, group: str) -> list[dict[str, Any]]:
        service, found = self._stream(stream)
        return self._server.call(service.get_group, found, group)

    def set(self, stream: str, group: str, item_id: str, data: JSON) -> dict[str, Any]:
        service, found = self._stream(stream)
        written = self._server.call(service.set, found, group, item_id, data)
        return cast(dict[str, Any], written.new_value)  # the stored item: always an object

    def delete(self, stream: str, group: str, item_id: str) -> dict[str, Any] | None:
        service, found = self._stream(stream)
        return self._server.call(service.delete, found, group, item_id)


def _response(status: int, headers: dict[str, str], raw: bytes) -> Response:
    text = raw.decode("utf-8", errors="replace")
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        body = json.loads(text) if text else None
    except json.JSONDecodeError:
        body = None
    return Response(status, lowered, text, body)

"""Every instance's spans and log entries in Redis (`core/deployment.SharedRecords`,
docs/reference.md §11), so that the admin API of any instance shows the whole deployment.

Keys, after `PREFIX:`:

| key | type | holds |
|---|---|---|
| `traces` | stream | finished spans (`r`, JSON, with their trace's trigger), trace id `t` |
| `logs` | stream | log entries (`e`, JSON), each of id `<seq>-0` |
| `logs:seq` | string | the last `seq` given |

Each stream keeps about its newest `SPANS_KEPT` or `LOGS_KEPT` (`MAXLEN ~`).

Each entry also carries this process's `origin` (`o`), so that `following`, which
passes the other instances' new entries to the workbench's live feed, can tell its own.

Writing costs the hot path nothing it waits for: a span or entry is kept in a list, and
every `FLUSH_EVERY` seconds what was kept goes as one job into the shared connection's
next pipeline (`RedisWorker.post`), never awaited. Reads scan the newest records in
chunks, each its own job, so a request's commands never wait behind a whole scan.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio

from orchestrator.core.deployment import trace_header
from orchestrator.core.tracing import Span, Trace
from orchestrator.core.truncate import cap_text, utf8_size
from orchestrator.stores.redis_worker import (
    Command,
    RedisUnavailable,
    RedisWorker,
    Script,
    import_redis,
)

log = logging.getLogger("steppe.redis")

SPANS_KEPT = 10_000
LOGS_KEPT = 10_000
ENTRY_BYTES = 8 * 1024
"""The most JSON a log entry keeps in Redis (its message and fields cut, as §8 cuts at
64 KiB): LOGS_KEPT entries then hold at most about 80 MB."""
FLUSH_EVERY = 0.25
_CHUNK = 500
# A span ends after its trace started; scanning back from the newest, a trace's spans
# are all found once the records are this much older than its start (clocks differ).
_CLOCK_SLACK_MS = 60_000

# ARGV: P, cap, origin, entries... Each entry gets the next `seq`, which is also its id, so a
# page `before` a seq is one XREVRANGE. A seq key lost while the stream stayed (a
# FLUSHALL of one key) restarts past the stream's newest id.
_APPEND_LOGS = Script("""
local stream, seq, n = ARGV[1] .. ':logs', ARGV[1] .. ':logs:seq', #ARGV - 3
local top = redis.call('INCRBY', seq, n)
local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
if newest then
  local last = tonumber(string.match(newest[1], '^(%d+)'))
  if top - n <= last then top = last + n; redis.call('SET', seq, top) end
end
for i = 1, n do
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[2], (top - n + i) .. '-0',
    'e', ARGV[3 + i], 'o', ARGV[3])
end
""")


class RedisRecords:
    """Spans and log entries of this instance to Redis; the deployment's read back."""

    def __init__(self, worker: RedisWorker, instance: str) -> None:
        self._worker = worker
        worker.add_scripts([_APPEND_LOGS])
        self.instance = instance
        self._origin = uuid.uuid4().hex  # unique even for instances sharing a process (tests)
        self._lock = threading.Lock()  # entries may be logged from worker threads
        self._spans: list[Command] = []
        self._logs: list[str] = []

    def add_log(self, entry: dict[str, Any]) -> None:
        text = _json(entry | {"instance": self.instance})
        if utf8_size(text) > ENTRY_BYTES:
            text = _json(_cut(entry) | {"instance": self.instance})
        with self._lock:
            self._logs.append(text)
            del self._logs[:-LOGS_KEPT]  # Redis lost for long: the oldest go

    def add_span(self, span: Span, trace: Trace | None) -> None:
        record = span.as_json() | {"trace": trace_header(trace, span)}
        command = ("XADD", self._worker.key("traces"), "MAXLEN", "~", SPANS_KEPT, "*",
                   "t", span.trace_id, "r", _json(record))  # fmt: skip
        with self._lock:
            self._spans.append(command)
            del self._spans[:-SPANS_KEPT]

    def flush(self) -> None:
        """Post what was kept since the last flush (dropped when the connection is closed)."""
        with self._lock:
            spans, self._spans = self._spans, []
            logs, self._logs = self._logs, []
        commands = spans
        if logs:
            commands.append(
                _APPEND_LOGS.call((), (self._worker.prefix, LOGS_KEPT, self._origin, *logs))
            )
        if commands:
            with contextlib.suppress(RedisUnavailable):
                self._worker.post(commands)

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Flush every FLUSH_EVERY seconds, and once more when cancelled."""
        task_status.started()
        try:
            while True:
                await trio.sleep(FLUSH_EVERY)
                self.flush()
        finally:
            self.flush()

    async def logs_page(
        self, *, limit: int, max_bytes: int, before: int | None, trace_id: str | None
    ) -> list[dict[str, Any]]:
        self.flush()  # posted first on the one connection: the reads below see it
        page: list[dict[str, Any]] = []
        total = 0
        end = "+" if before is None else f"({before}-0"
        while True:
            chunk = await self._range("logs", end, _CHUNK)
            for ident, fields in chunk:
                entry = json.loads(fields["e"]) | {"seq": _ms(ident)}
                if trace_id and entry.get("traceId") != trace_id:
                    continue
                total += utf8_size(fields["e"]) + 1
                if len(page) >= limit or (total > max_bytes and page):
                    page.reverse()
                    return page
                page.append(entry)
            if len(chunk) < _CHUNK:
                page.reverse()
                return page
            end = f"({chunk[-1][0]}"

    async def span_records(self, trace_id: str | None = None) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        end, oldest_start = "+", float("inf")
        while True:
            chunk = await self._range("traces", end, _CHUNK)
            for _, fields in chunk:
                if trace_id is not None and fields["t"] != trace_id:
                    continue
                record = json.loads(fields["r"])
                oldest_start = min(oldest_start, record["trace"]["start"])
                records.append(record)
            if len(chunk) < _CHUNK:
                return records
            end = f"({chunk[-1][0]}"
            if trace_id is not None and _ms(end[1:]) < oldest_start * 1000 - _CLOCK_SLACK_MS:
                return records

    @asynccontextmanager
    async def following(
        self, url: str, deliver: Callable[[dict[str, Any]], None], wanted: Callable[[], bool]
    ) -> AsyncIterator[None]:
        """While in the block, pass each log entry another instance writes to `deliver`
        (on the trio thread), as long as `wanted()` (someone watches the live feed).

        `XREAD BLOCK` waits, so it has a thread and a connection of its own (as the
        stream relay's subscription); Redis lost: it reads again once Redis answers."""
        redis = import_redis()
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2.0)
        token = trio.lowlevel.current_trio_token()
        stop = threading.Event()

        def pass_on(entries: list[dict[str, Any]]) -> None:
            for entry in entries:
                deliver(entry)

        def follow() -> None:
            after: str | None = None  # None: from the newest entry once wanted again
            paused = False  # said once until Redis answers again
            while not stop.is_set():
                if not wanted():
                    after = None
                    stop.wait(0.2)
                    continue
                try:
                    after, entries = self._read_after(client, after)
                except redis.RedisError as exc:
                    if not paused:
                        log.warning("log entries of other instances paused: %s", exc)
                    paused = True
                    stop.wait(1.0)
                    continue
                paused = False
                if entries:
                    try:
                        token.run_sync_soon(pass_on, entries)
                    except trio.RunFinishedError:
                        return

        thread = threading.Thread(target=follow, name="steppe-redis-logs", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            await trio.to_thread.run_sync(thread.join)
            client.close()

    def _read_after(self, client: Any, after: str | None) -> tuple[str, list[dict[str, Any]]]:
        """The other instances' entries after `after` (blocking a little for them), and
        the id to read after next; from the newest entry when `after` is None."""
        key = self._worker.key("logs")
        if after is None:
            newest = client.xrevrange(key, count=1)
            return (newest[0][0] if newest else "0-0"), []
        reply = client.xread({key: after}, count=_CHUNK, block=200) or []
        entries = []
        for _, found in reply:
            for ident, fields in found:
                after = ident
                if fields.get("o") != self._origin:
                    entries.append(json.loads(fields["e"]) | {"seq": _ms(ident)})
        return after, entries

    async def _range(self, key: str, end: str, count: int) -> list[tuple[str, dict[str, str]]]:
        (reply,) = await self._worker.run(
            [("XREVRANGE", self._worker.key(key), end, "-", "COUNT", count)]
        )
        # redis-py answers [(id, {field: value})]; an entry trimmed meanwhile has no fields.
        return [(ident, values) for ident, values in reply if values]


def _json(value: dict[str, Any]) -> str:
    # ASCII: text a runner sent may hold lone surrogates, which Redis's UTF-8 would refuse
    # (failing every job of the batch).
    return json.dumps(value, default=str, separators=(",", ":"))


def _ms(ident: str) -> int:
    return int(ident.partition("-")[0])


def _cut(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry within about ENTRY_BYTES: its message cut, its fields as cut JSON."""
    cut = entry | {"msg": cap_text(str(entry.get("msg", "")), ENTRY_BYTES // 2)}
    if "fields" in entry:
        text = json.dumps(entry["fields"], default=str, ensure_ascii=False)
        cut["fields"] = {"truncated": cap_text(text, ENTRY_BYTES // 2)}
    return cut

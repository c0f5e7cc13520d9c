"""The test side of a served project: what the `steppe` fixture and the test API
(http/admin/testing.py) do to it. One bench per test server, for its whole life.

It taps the handlers' emits (tap.py), keeps the log entries written since the last
reset, and between tests waits for the bus to go idle and empties the stores.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio

from orchestrator.core.errors import CallbackError
from orchestrator.core.types import JSON
from orchestrator.http.admin import testing as test_api
from orchestrator.services.context import ContextRouter
from orchestrator.services.emit_request import EmitRequest
from orchestrator.testing.journal import Journal
from orchestrator.testing.logs import format_logs
from orchestrator.testing.reset import clear_stores
from orchestrator.testing.tap import EventTap
from orchestrator.testing.unit import run_unit
from orchestrator.wiring.server import Services

RESET_WAIT = 10.0
"""Seconds a reset waits for the previous test's deliveries before emptying the stores
anyway (a delivery retrying with a long backoff must not hang the next test)."""


class TestBench:
    """Implements the test API's `TestHooks` over one running server."""

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, services: Services) -> None:
        self.services = services
        env = services.env
        self.tap = EventTap(env.bus)
        services.runtime.host.router = ContextRouter(
            env.state, self.tap, env.checker, env.streams, changes=env.changes
        )
        self.log_journal = Journal()
        self._unit_lock = trio.Lock()

    async def reset(self) -> None:
        if not await self.wait_idle(RESET_WAIT):
            self.services.env.logs.write(
                "warn", f"deliveries of the previous test still running after {RESET_WAIT} s"
            )
        await clear_stores(self.services.env)
        self.tap.events.clear()
        self.log_journal.clear()

    async def wait_idle(self, timeout: float) -> bool:
        with trio.move_on_after(timeout):
            await self.services.bus.wait_idle()
            return True
        return False

    def events(self, since: int) -> tuple[list[dict[str, Any]], int]:
        return self.tap.events.since(since)

    def logs(self, since: int) -> tuple[list[dict[str, Any]], int]:
        return self.log_journal.since(since)

    def logs_text(self, entries: list[dict[str, Any]]) -> str:
        return format_logs(entries)

    async def emit(self, event: dict[str, Any]) -> str:
        """Publish as the admin API's emit does, under the given `traceId` if any, and
        record it as captured (Motia's tester hands its event to the bus, watchers
        included)."""
        env = self.services.env
        request = EmitRequest(
            str(event["topic"]),
            event.get("data"),
            _text_or_none(event.get("idempotencyKey")),
            _text_or_none(event.get("messageGroupId")),
        )
        flows = event.get("flows")
        if flows is not None and not isinstance(flows, list):
            raise CallbackError("ValidationError", "flows must be a list of flow names")
        subscribers = env.checker.check(None, request)
        given = event.get("traceId")
        trace_id = env.tracer.start_trace(
            "emit", "test", given if isinstance(given, str) and given else None
        )
        await env.bus.publish(request, subscribers, trace_id, source=None)
        self.tap.record(request, trace_id, flows)
        return trace_id

    async def run(
        self, step: str, data: JSON, params: dict[str, str], query: dict[str, str]
    ) -> dict[str, Any]:
        return await run_unit(
            self.services.runtime, self.services.bus, self._unit_lock, step, data, params, query
        )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@asynccontextmanager
async def open_bench(services: Services) -> AsyncIterator[TestBench]:
    """A bench on `services`, serving the test API until the block ends."""
    bench = TestBench(services)
    unsubscribe = services.env.logs.subscribe(bench.log_journal.append)
    test_api.attach(services.env, bench)
    try:
        yield bench
    finally:
        test_api.detach(services.env)
        unsubscribe()

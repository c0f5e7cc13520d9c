"""Running one step once within a trace: the span, the timeout, the error record.

HTTP routes, event deliveries and cron ticks all invoke steps through here, so
every invocation is traced and timed out the same way. The bus, the scheduler and
the stream access checks depend only on the `Invoker` and `FunctionCaller`
protocols, so that tests can run them with a stub and no runner process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from orchestrator.core.errors import RemoteError, SteppeError
from orchestrator.core.tracing import TraceParent, Tracer
from orchestrator.core.types import JSON, Language
from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger
from orchestrator.runtime.pool import RunnerPool
from orchestrator.runtime.response_stream import ResponseStream

NO_INPUT: Any = object()
# What `invoke` returns when the trigger's condition said no: the handler did not run.
SKIPPED: Any = object()


def handler_timeout(step: Step, default: float) -> float:
    """`infrastructure.handler.timeout` (seconds) or the project default."""
    infrastructure = step.config.get("infrastructure") or {}
    timeout = (infrastructure.get("handler") or {}).get("timeout")
    # A tuple, not `int | float`: that makes a union object per call (per delivery).
    return float(timeout) if isinstance(timeout, (int, float)) and timeout > 0 else default


def error_record(exc: BaseException) -> dict[str, Any]:
    """The `{name, message, stack}` of a failure, for spans and dead letters."""
    if isinstance(exc, RemoteError):
        return {"name": exc.name, "message": exc.remote_message, "stack": exc.stack}
    return {"name": type(exc).__name__, "message": str(exc), "stack": None}


class Invoker(Protocol):
    """What the event bus and the cron scheduler need to run steps: `StepInvoker`, or a
    stub that runs no runner process (tests/stub_invoker.py)."""

    def start_trace(self, trigger: str, detail: str) -> str:
        """A new trace for a trigger (`cron`, `emit`, ...); its id."""
        ...

    async def invoke(
        self,
        step: Step,
        trace_id: str,
        input: JSON = NO_INPUT,
        *,
        attempt: int = 1,
        depth: int = 0,
        timeout: float | None = None,
        parent: TraceParent | None = None,
        span_id: str | None = None,
        topic: str | None = None,
        trigger: Trigger | None = None,
    ) -> JSON:
        """Run the step's handler once; raises SteppeError when it fails or times out
        (after its handler timeout, or `timeout` seconds when that is sooner: a queue's
        visibility timeout). `parent` is the span that caused it (W3C trace context);
        `span_id` names its span when the caller must know it first; `topic` is the
        event's it handles. For a Motia 1.0 step, `trigger` is the one that fired: the
        runner calls the handler the 1.0 way, after the trigger's condition, if any
        (SKIPPED when the condition is false)."""
        ...


class FunctionCaller(Protocol):
    """Calls one named function of a loaded file (a stream's `canAccess`): `RunnerPool`,
    or a stub that runs no runner process."""

    async def invoke(
        self,
        *,
        language: Language,
        path: Path,
        owner: str,
        trace_id: str,
        input: JSON,
        fn: str,
        timeout: float | None,
    ) -> JSON:
        """The function's result; raises SteppeError when it throws or times out."""
        ...


class StepInvoker:
    """The `Invoker` of a running orchestrator: steps run on the runner pool, each
    invocation a span of its trace."""

    def __init__(self, pool: RunnerPool, tracer: Tracer, default_timeout: float) -> None:
        self.pool = pool
        self.tracer = tracer
        self.default_timeout = default_timeout

    def start_trace(self, trigger: str, detail: str) -> str:
        return self.tracer.start_trace(trigger, detail)

    async def invoke(
        self,
        step: Step,
        trace_id: str,
        input: JSON = NO_INPUT,
        *,
        attempt: int = 1,
        depth: int = 0,
        timeout: float | None = None,
        parent: TraceParent | None = None,
        span_id: str | None = None,
        topic: str | None = None,
        trigger: Trigger | None = None,
        response: ResponseStream | None = None,
    ) -> JSON:
        """Invoke the step's handler; raises what RunnerPool.invoke raises, after
        recording the span. `response` takes what the handler streams (an http
        trigger of a 1.0 step)."""
        limit = handler_timeout(step, self.default_timeout)
        span = self.tracer.start_span(
            trace_id, step.name, step.language, step.type, attempt,
            parent=parent, span_id=span_id, topic=topic,
        )  # fmt: skip
        v1 = trigger if step.is_v1 else None

        async def call(fn: str, given: JSON, stream: ResponseStream | None = None) -> JSON:
            return await self.pool.invoke(
                language=step.language,
                path=step.path,
                owner=step.name,
                trace_id=trace_id,
                step=step,
                fn=fn,
                timeout=limit if timeout is None else min(limit, timeout),
                emitted=span.emitted,
                depth=depth,
                traceparent=span.traceparent,
                trigger=v1.info() if v1 is not None else None,
                response=stream,
                **({} if given is NO_INPUT else {"input": given}),
            )

        try:
            if (
                v1 is not None
                and v1.has_condition
                and not await call(f"condition:{v1.index}", condition_input(v1, input))
            ):
                self.tracer.end_span(span, emitted=span.emitted)
                return SKIPPED
            result = await call("handler", input, response)
        except SteppeError as exc:
            if response is not None and response.gone:
                # Its client left a streamed answer and it was cancelled: for a stream of
                # server-sent events that is how it normally ends, not a failure.
                self.tracer.end_span(span, emitted=span.emitted)
                return None
            self.tracer.end_span(span, error=error_record(exc), emitted=span.emitted)
            raise
        self.tracer.end_span(span, emitted=span.emitted)
        return result


_NOT_FOR_CONDITIONS = frozenset({"method", "requestBody"})


def condition_input(trigger: Trigger, input: JSON) -> JSON:
    """What a 1.0 condition is called with: the handler's input, except that an http
    condition gets the plain request without its method (Motia 1.0's
    motia-js/packages/motia/src/new/build/utils.ts, `conditions`) or its raw body (the
    engine's views.rs removes `request_body` from a condition's input)."""
    if trigger.type == "http" and isinstance(input, dict):
        request = input.get("request") or {}
        return {k: v for k, v in request.items() if k not in _NOT_FOR_CONDITIONS}
    return input

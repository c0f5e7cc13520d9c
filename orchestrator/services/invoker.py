"""Running one step once within a trace: the span, the timeout, the error record.

HTTP routes, event deliveries and cron ticks all invoke steps through here, so
every invocation is traced and timed out the same way.
"""

from __future__ import annotations

from typing import Any

from orchestrator.core.errors import RemoteError, SteppeError
from orchestrator.core.tracing import Tracer
from orchestrator.core.types import JSON
from orchestrator.model.step import Step
from orchestrator.runtime.pool import RunnerPool

NO_INPUT: Any = object()


def handler_timeout(step: Step, default: float) -> float:
    """`infrastructure.handler.timeout` (seconds) or the project default."""
    infrastructure = step.config.get("infrastructure") or {}
    timeout = (infrastructure.get("handler") or {}).get("timeout")
    return float(timeout) if isinstance(timeout, int | float) and timeout > 0 else default


def error_record(exc: BaseException) -> dict[str, Any]:
    """The `{name, message, stack}` of a failure, for spans and dead letters."""
    if isinstance(exc, RemoteError):
        return {"name": exc.name, "message": exc.remote_message, "stack": exc.stack}
    return {"name": type(exc).__name__, "message": str(exc), "stack": None}


class StepInvoker:
    def __init__(self, pool: RunnerPool, tracer: Tracer, default_timeout: float) -> None:
        self.pool = pool
        self.tracer = tracer
        self.default_timeout = default_timeout

    async def invoke(
        self,
        step: Step,
        trace_id: str,
        input: JSON = NO_INPUT,
        *,
        attempt: int = 1,
        depth: int = 0,
    ) -> JSON:
        """Invoke the step's handler; raises what RunnerPool.invoke raises, after
        recording the span."""
        span = self.tracer.start_span(trace_id, step.name, step.language, step.type, attempt)
        kwargs: dict[str, Any] = {} if input is NO_INPUT else {"input": input}
        try:
            result = await self.pool.invoke(
                language=step.language,
                path=step.path,
                owner=step.name,
                trace_id=trace_id,
                step=step,
                timeout=handler_timeout(step, self.default_timeout),
                emitted=span.emitted,
                depth=depth,
                **kwargs,
            )
        except SteppeError as exc:
            self.tracer.end_span(span, error=error_record(exc), emitted=span.emitted)
            raise
        self.tracer.end_span(span, emitted=span.emitted)
        return result

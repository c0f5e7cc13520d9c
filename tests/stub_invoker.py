"""Stubs of `Invoker` and `FunctionCaller` for in-process tests of the event bus, the
cron scheduler and the stream access checks: no runner process. Every call is
recorded (with trio's clock, virtual under MockClock) and answered as the test
scripted it for that step or file: a value, an error, or no answer until released.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import trio

from orchestrator.core.errors import InvocationTimeout, RemoteError
from orchestrator.core.ids import random_id
from orchestrator.core.tracing import TraceParent
from orchestrator.core.types import JSON, Language
from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger
from orchestrator.services.invoker import NO_INPUT

# One scripted answer to one call.
Behaviour = Callable[[], Awaitable[JSON]]


def returns(value: JSON = None) -> Behaviour:
    """Answer `value`."""

    async def answer() -> JSON:
        return value

    return answer


def raises(error: BaseException) -> Behaviour:
    """Raise `error` (the bus retries any SteppeError)."""

    async def answer() -> JSON:
        raise error

    return answer


def fails(message: str = "boom", name: str = "Error") -> Behaviour:
    """The handler threw, as a runner reports it (a RemoteError)."""
    return raises(RemoteError({"name": name, "message": message, "stack": f"{name}: {message}"}))


def hangs(until: trio.Event | None = None) -> Behaviour:
    """No answer until `until` is set (then None), or ever when `until` is None."""

    async def answer() -> JSON:
        await (until if until is not None else trio.Event()).wait()
        return None

    return answer


class Script:
    """Answers by name: each call takes the next behaviour, and the last one given goes
    on answering every later call. A name never scripted answers None."""

    def __init__(self) -> None:
        self._plans: dict[str, list[Behaviour]] = {}

    def set(self, name: str, behaviours: tuple[Behaviour, ...]) -> None:
        if not behaviours:
            raise ValueError("script at least one behaviour")
        self._plans[name] = list(behaviours)

    async def answer(self, name: str) -> JSON:
        plan = self._plans.get(name)
        if not plan:
            return None
        behaviour = plan.pop(0) if len(plan) > 1 else plan[0]
        return await behaviour()


@dataclass(frozen=True, slots=True)
class StepCall:
    """One `invoke` of the stub: what the bus or scheduler passed, and when (trio time)."""

    step: Step
    trace_id: str
    input: JSON
    attempt: int
    depth: int
    at: float
    timeout: float | None = None


class StubInvoker:
    """An `Invoker` that records calls and answers each step as scripted with `on`."""

    def __init__(self) -> None:
        self.calls: list[StepCall] = []
        self.traces: list[tuple[str, str, str]] = []  # (trace id, trigger, detail)
        self._script = Script()
        self._handlers: dict[str, Callable[[JSON], Awaitable[JSON]]] = {}

    def on(self, step: str, *behaviours: Behaviour) -> None:
        """How the step answers its next calls, in order; the last behaviour repeats."""
        self._script.set(step, behaviours)

    def handle(self, step: str, handler: Callable[[JSON], Awaitable[JSON]]) -> None:
        """Answer every call of the step with `handler(input)` (it may raise)."""
        self._handlers[step] = handler

    def calls_of(self, step: str) -> list[StepCall]:
        return [call for call in self.calls if call.step.name == step]

    def start_trace(self, trigger: str, detail: str) -> str:
        trace_id = random_id()
        self.traces.append((trace_id, trigger, detail))
        return trace_id

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
        self.calls.append(
            StepCall(step, trace_id, input, attempt, depth, trio.current_time(), timeout)
        )
        handler = self._handlers.get(step.name)
        answer = handler(input) if handler is not None else self._script.answer(step.name)
        if timeout is None:
            return await answer
        # As StepInvoker: no answer within `timeout` is an InvocationTimeout.
        with trio.move_on_after(timeout):
            return await answer
        raise InvocationTimeout(f"{step.name} did not answer within {timeout:g}s")


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """One call of a file's function through the stub `FunctionCaller`."""

    owner: str
    fn: str
    input: JSON
    timeout: float | None


class StubFunctionCaller:
    """A `FunctionCaller` that records calls and answers each owner (a stream's name)
    as scripted with `on`."""

    def __init__(self) -> None:
        self.calls: list[FunctionCall] = []
        self._script = Script()

    def on(self, owner: str, *behaviours: Behaviour) -> None:
        """How the owner's function answers its next calls; the last behaviour repeats."""
        self._script.set(owner, behaviours)

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
        self.calls.append(FunctionCall(owner, fn, input, timeout))
        return await self._script.answer(owner)

"""An API request whose handler may stream its answer (a Motia 1.0 http trigger).

The invocation runs as a task of the request's own nursery, so that the answer can
begin before the handler returns: `invoke_streamable` gives back either the handler's
result (it returned before writing anything: answered as any other) or the started
`ResponseStream`, which `step_requests` sends while the task goes on. What happens to
the invocation after that is only logged: the client already has its status line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from orchestrator.core.errors import InvocationTimeout, RemoteError
from orchestrator.core.types import JSON
from orchestrator.http.env import HttpEnv
from orchestrator.model.step import Step, language_name
from orchestrator.runtime.response_stream import ResponseStream


class _Outcome:
    __slots__ = ("error", "result")

    def __init__(self) -> None:
        self.result: JSON = None
        self.error: BaseException | None = None


async def invoke_streamable(
    env: HttpEnv,
    tasks: trio.Nursery,
    step: Step,
    trace_id: str,
    invoke: Callable[[ResponseStream], Awaitable[JSON]],
) -> JSON | ResponseStream:
    """Start `invoke` in `tasks`; the handler's result (or its exception, raised) when
    it finished without streaming, else the started stream."""
    stream = ResponseStream()
    outcome = _Outcome()
    finished = trio.Event()

    async def run() -> None:
        failure: str | None = "the request was cancelled"  # unless it ends otherwise
        try:
            outcome.result = await invoke(stream)
            failure = None
        except Exception as exc:
            outcome.error = exc
            failure = str(exc)
        finally:
            stream.finish(failure)
            finished.set()
            if stream.started:
                _log_late(env, step, trace_id, stream, outcome)

    tasks.start_soon(run)
    if await stream.wait_started():
        return stream
    await finished.wait()
    if outcome.error is not None:
        raise outcome.error
    return outcome.result


def _log_late(
    env: HttpEnv, step: Step, trace_id: str, stream: ResponseStream, outcome: _Outcome
) -> None:
    """What became of a handler whose answer had started streaming."""
    exc = outcome.error
    if stream.gone and (exc is None or _cancelled(exc)):
        env.logs.write(
            "info",
            "the client disconnected from the streamed response; the handler was cancelled",
            step=step.name,
            trace_id=trace_id,
        )
    elif isinstance(exc, RemoteError):
        log_handler_threw(env, step, exc, trace_id, " after its response began streaming")
    elif isinstance(exc, InvocationTimeout):
        env.logs.write(
            "error",
            f"{exc}; its streamed response was cut short (the handler timeout covers "
            "the whole stream: infrastructure.handler.timeout)",
            step=step.name,
            trace_id=trace_id,
        )
    elif exc is not None:
        env.logs.write(
            "error",
            f"the streamed response was cut short: {exc}",
            step=step.name,
            trace_id=trace_id,
        )
    elif outcome.result is not None:
        env.logs.write(
            "warn",
            "the handler returned a response after streaming one; the return value is ignored",
            step=step.name,
            trace_id=trace_id,
        )


def _cancelled(exc: BaseException) -> bool:
    return isinstance(exc, RemoteError) and exc.name == "Cancelled"


def log_handler_threw(
    env: HttpEnv, step: Step, exc: RemoteError, trace_id: str, when: str = ""
) -> None:
    # The stack goes in the message so that the console shows it as lines, not JSON.
    stack = f"\n{exc.stack}" if exc.stack else ""
    env.logs.write(
        "error",
        f"{language_name(step)} handler threw {exc.name}{when}: {exc.remote_message}{stack}",
        step=step.name,
        trace_id=trace_id,
    )

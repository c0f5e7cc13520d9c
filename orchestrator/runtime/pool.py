"""All runners of a project, and the invocations running on them.

The pool gives each invocation an id, so that a context call coming back from any
runner is tied to its step and trace before the host serves it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

import trio

from orchestrator.core.errors import (
    CallbackError,
    CallTimeout,
    InvocationTimeout,
    RunnerCrashed,
    RunnerUnavailable,
)
from orchestrator.core.types import JSON, JSONMap, Language
from orchestrator.model.discovery import StepFile
from orchestrator.model.step import Step
from orchestrator.rpc.session import RpcSession
from orchestrator.runtime.host import Invocation, RunnerHost, log_record
from orchestrator.runtime.languages import runner_spec
from orchestrator.runtime.response_stream import ResponseStream
from orchestrator.runtime.supervisor import LOAD_TIMEOUT, Supervisor

_NO_INPUT: Any = object()


class RunnerPool:
    """One supervised runner per language, started together and stopped in order."""

    def __init__(self, project_dir: Path, host: RunnerHost, languages: Iterable[Language]) -> None:
        self.project_dir = project_dir
        self._host = host
        self.supervisors: dict[Language, Supervisor] = {
            language: self._supervisor_for(language) for language in languages
        }
        self._nursery: trio.Nursery | None = None
        self._invocations: dict[int, Invocation] = {}
        self._iids = itertools.count(1)
        self._accepting = True

    @property
    def in_flight(self) -> int:
        return len(self._invocations)

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Start every runner at once (start-up costs add up otherwise) and keep them up."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            async with trio.open_nursery() as starting:
                for supervisor in self.supervisors.values():
                    starting.start_soon(nursery.start, supervisor.serve)
            task_status.started()

    async def ensure_runner(self, language: Language) -> Supervisor:
        """The language's supervisor, starting a runner for it if the project had none
        (a first Ruby file added while `steppe dev` runs) or if its runner was given up
        (the interpreter was missing: it may have been installed since)."""
        supervisor = self.supervisors.get(language)
        if supervisor is None or supervisor.given_up:
            assert self._nursery is not None, "the pool is not serving"
            supervisor = self._supervisor_for(language)
            self.supervisors[language] = supervisor
            await self._nursery.start(supervisor.serve)
        return supervisor

    def _supervisor_for(self, language: Language) -> Supervisor:
        return Supervisor(
            runner_spec(language),
            self.project_dir,
            on_request=partial(self._on_request, language),
            on_note=partial(self._on_note, language),
            on_stderr=partial(self._host.handle_stderr, language),
            running=partial(self._running_on, language),
        )

    def _running_on(self, language: Language) -> list[str]:
        """The steps (or streams) with an invocation in flight on a language's runner."""
        return [i.owner for i in self._invocations.values() if i.language == language]

    def supervisor(self, language: Language) -> Supervisor:
        try:
            return self.supervisors[language]
        except KeyError:
            raise RunnerUnavailable(f"no {language} runner is configured") from None

    async def load(self, step_file: StepFile, timeout: float = LOAD_TIMEOUT) -> JSONMap:
        """Load (or reload) a step or stream file on its runner.

        A load cut short because another file crashed or blocked the runner is tried
        again on the restarted runner. Raises RemoteError (the file is broken),
        LoadTimeout, or RunnerError.
        """
        supervisor = self.supervisor(step_file.language)
        tries_left = 3
        while True:
            try:
                result = await supervisor.load(str(step_file.path), step_file.kind, timeout)
                return result if isinstance(result, dict) else {}
            except RunnerCrashed:
                tries_left -= 1
                if not tries_left:
                    raise

    async def invoke(
        self,
        *,
        language: Language,
        path: Path,
        owner: str,
        trace_id: str,
        step: Step | None = None,
        input: JSON = _NO_INPUT,
        fn: str = "handler",
        timeout: float | None = None,
        emitted: list[str] | None = None,
        depth: int = 0,
        traceparent: str | None = None,
        trigger: JSONMap | None = None,
        response: ResponseStream | None = None,
    ) -> JSON:
        """Call a function of a loaded file; its context calls reach the host.

        Raises RemoteError (it threw), RunnerCrashed (the runner died meanwhile),
        RunnerUnavailable, or InvocationTimeout. Topics the handler emits are appended
        to `emitted`; `depth` is how deep in its trace's emit chain the call runs;
        `traceparent` is its span's W3C trace context (the handler's, its emits');
        `trigger` is Motia 1.0's TriggerInfo, for a 1.0 step (its call shapes);
        `response` receives its `response.write` calls (a 1.0 http trigger), and its
        client leaving cancels the invocation.
        """
        if not self._accepting:
            raise RunnerUnavailable("the orchestrator is shutting down")
        session = await self.supervisor(language).session()
        iid = next(self._iids)
        invocation = Invocation(
            iid, owner, language, trace_id, step, [] if emitted is None else emitted, depth=depth,
            traceparent=traceparent, response=response,
        )  # fmt: skip
        flows = list(step.flows) if step is not None else []
        ctx: JSONMap = {"traceId": trace_id, "step": owner, "flows": flows}
        if traceparent is not None:
            ctx["traceparent"] = traceparent
        params: JSONMap = {"iid": iid, "path": str(path), "fn": fn, "ctx": ctx}
        if input is not _NO_INPUT:
            params["input"] = input
        if trigger is not None:
            params["trigger"] = trigger
        self._invocations[iid] = invocation
        if response is not None:
            response.cancel_invocation = partial(_cancel, session, invocation)
        try:
            # A streamed answer runs long and feeds the loop meanwhile: it never spins.
            spin_key = path if response is None else None
            return await session.call("invoke", params, timeout, spin_key=spin_key)
        except CallTimeout:
            _cancel(session, invocation)
            raise InvocationTimeout(f"{owner} did not answer within {timeout:g}s") from None
        finally:
            del self._invocations[iid]

    async def _on_request(self, language: Language, method: str, params: Any) -> JSON:
        iid = params.get("iid") if isinstance(params, dict) else None
        invocation = self._invocations.get(iid) if isinstance(iid, int) else None
        if invocation is None or invocation.language != language:
            raise CallbackError(
                "NotInInvocation",
                f"{method} was called outside a running handler (invocation {iid!r} is over)",
            )
        if invocation.cancelled:
            raise CallbackError("Cancelled", f"{invocation.owner} was abandoned after its timeout")
        result: JSON = await self._host.handle_call(invocation, method, params)
        return result

    def _on_note(self, language: Language, method: str, params: Any) -> None:
        if method == "log":
            iid = params.get("iid") if isinstance(params, dict) else None
            invocation = self._invocations.get(iid) if isinstance(iid, int) else None
            self._host.handle_log(invocation, log_record(params))

    async def stop(self, grace: float) -> None:
        """Refuse new invocations, then stop every runner (each drains within `grace`)."""
        self._accepting = False
        async with trio.open_nursery() as nursery:
            for supervisor in self.supervisors.values():
                nursery.start_soon(supervisor.stop, grace)


def _cancel(session: RpcSession, invocation: Invocation) -> None:
    """Abandon an invocation: its later calls back are refused, its runner told."""
    if not invocation.cancelled:
        invocation.cancelled = True
        session.notify("cancel", {"iid": invocation.iid})

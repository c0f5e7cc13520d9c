"""Stream access checks in process: `canAccess` answered by a stub, no runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.core.errors import InvocationTimeout
from orchestrator.core.logs import LogSink
from orchestrator.model.step import StreamDef
from orchestrator.services.streams.access import AccessChecker, Decision
from tests.stub_invoker import Behaviour, StubFunctionCaller, fails, raises, returns

SUBSCRIPTION = {"groupId": "room-1", "id": None}


def stream(name: str, *, can_access: bool = True) -> StreamDef:
    handlers = frozenset({"canAccess"}) if can_access else frozenset()
    return StreamDef(name, Path(f"steps/{name}.stream.ts"), "node", None, handlers=handlers)


async def test_a_stream_without_can_access_is_open_and_nothing_is_called() -> None:
    caller = StubFunctionCaller()
    checker = AccessChecker(caller, LogSink(None, None), timeout=3.0)
    decision = await checker.check(stream("open", can_access=False), SUBSCRIPTION, {"token": None})
    assert decision == Decision(True)
    assert caller.calls == []


async def test_can_access_gets_the_subscription_and_auth_context_within_the_timeout() -> None:
    caller = StubFunctionCaller()
    caller.on("chat", returns(True))
    checker = AccessChecker(caller, LogSink(None, None), timeout=3.0)
    assert await checker.check(stream("chat"), SUBSCRIPTION, {"token": "secret"}) == Decision(True)
    [call] = caller.calls
    assert (call.owner, call.fn, call.timeout) == ("chat", "canAccess", 3.0)
    assert call.input == {"subscription": SUBSCRIPTION, "authContext": {"token": "secret"}}


@pytest.mark.parametrize("answer", [returns(False), returns("yes"), returns(None)])
async def test_anything_but_true_denies(answer: Behaviour) -> None:
    caller = StubFunctionCaller()
    caller.on("chat", answer)
    checker = AccessChecker(caller, LogSink(None, None), timeout=3.0)
    decision = await checker.check(stream("chat"), SUBSCRIPTION, None)
    assert decision == Decision(False, "access to stream 'chat' denied")


@pytest.mark.parametrize("failure", [fails("db down"), raises(InvocationTimeout("3 s"))])
async def test_a_can_access_that_fails_denies_and_is_logged(failure: Behaviour) -> None:
    caller = StubFunctionCaller()
    caller.on("chat", failure)
    logs = LogSink(None, None)
    decision = await AccessChecker(caller, logs, timeout=3.0).check(
        stream("chat"), SUBSCRIPTION, None
    )
    assert decision == Decision(False, "the access check of stream 'chat' failed")
    [entry] = [e for e in logs.tail if e["level"] == "error"]
    assert "canAccess of stream 'chat' failed" in entry["msg"] and entry["step"] == "chat"

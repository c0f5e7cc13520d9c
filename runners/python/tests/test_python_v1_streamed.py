"""Streamed answers of Motia 1.0 http handlers in the Python runner: `response.write`
requests, the head with the first, one at a time (the backpressure), the end on
`close()` or when the handler returns, dropped when it throws, refused after a cancel
(runners/README.md, "Streamed answers"; motia-py types.py MotiaHttpResponse and
runtime.py `_register_api_trigger`; iii's ChannelWriter, sdk/packages/python/iii/src/
iii/channels.py)."""

from __future__ import annotations

from typing import Any

from runner_harness import Frame, Orchestrator

HTTP = {"type": "http", "index": 0, "method": "GET", "path": "/streamed"}


def _request(**query: str) -> dict[str, Any]:
    return {"request": {"pathParams": {}, "queryParams": query, "headers": {}, "body": None}}


def _writes(orchestrator: Orchestrator, iid: int) -> list[dict[str, Any]]:
    calls = [c["p"] for c in orchestrator.calls if c["m"] == "response.write"]
    return [p for p in calls if p["iid"] == iid]


def _answer_held(orchestrator: Orchestrator) -> Frame:
    frame = orchestrator.held.pop(0)
    orchestrator.answer(frame)
    return frame


def test_server_sent_events_head_chunks_and_end(orchestrator: Orchestrator) -> None:
    orchestrator.load("v1_streamed.step.py")
    answer = orchestrator.run("v1_streamed.step.py", 1, _request(mode="sse"), trigger=HTTP)
    assert answer["ok"] and answer["r"] is None  # the returned dict came after the stream
    writes = _writes(orchestrator, 1)
    assert writes[0]["status"] == 201
    assert writes[0]["headers"] == {"content-type": "text/event-stream"}
    assert all("status" not in w for w in writes[1:]) and writes[-1]["end"] is True
    body = b"".join(w.get("data", b"") for w in writes)
    assert body == b"".join(b'data: {"n": %d}\n\n' % n for n in (1, 2, 3))


def test_one_write_at_a_time_and_an_awaited_write_waits_until_taken(
    orchestrator: Orchestrator,
) -> None:
    orchestrator.load("v1_streamed.step.py")
    orchestrator.hold = True
    iid = orchestrator.invoke("v1_streamed.step.py", 2, _request(mode="paced"), trigger=HTTP)
    orchestrator.wait_until(lambda: len(orchestrator.held) == 1)
    first = _answer_held(orchestrator)["p"]
    assert first == {"iid": 2, "status": 200, "headers": {}, "data": b"a"}
    # `b` and `c` were written while nothing was in flight but `a` had been taken: they
    # go together with the end, and only once that is taken does the handler go on.
    orchestrator.wait_until(lambda: len(orchestrator.held) == 1)
    assert not orchestrator.logs(msg="closed") and iid not in orchestrator.responses
    assert _answer_held(orchestrator)["p"] == {"iid": 2, "data": b"bc", "end": True}
    orchestrator.hold = False
    assert orchestrator.response(iid)["r"] is None
    assert orchestrator.logs(msg="closed")


def test_a_handler_throwing_drops_what_it_queued(orchestrator: Orchestrator) -> None:
    orchestrator.load("v1_streamed.step.py")
    answer = orchestrator.run("v1_streamed.step.py", 3, _request(mode="boom"), trigger=HTTP)
    assert answer["ok"] is False and answer["e"]["name"] == "RuntimeError"
    assert [w.get("data") for w in _writes(orchestrator, 3)] == [b"first\n"]  # no end


def test_a_plain_def_handler_blocks_on_writes_and_its_return_ends_the_stream(
    orchestrator: Orchestrator,
) -> None:
    orchestrator.load("v1_streamed_sync.step.py")
    answer = orchestrator.run("v1_streamed_sync.step.py", 4, _request(n="3"), trigger=HTTP)
    assert answer["r"] is None
    writes = _writes(orchestrator, 4)
    assert [w.get("data") for w in writes] == [b"tick 0\n", b"tick 1\n", b"tick 2\n", None]
    assert writes[-1] == {"iid": 4, "end": True}


def test_after_a_cancel_the_handler_s_next_write_raises(orchestrator: Orchestrator) -> None:
    orchestrator.load("v1_streamed_sync.step.py")
    iid = orchestrator.invoke("v1_streamed_sync.step.py", 5, _request(), trigger=HTTP)
    orchestrator.wait_until(lambda: len(_writes(orchestrator, 5)) >= 2)
    orchestrator.note("cancel", {"iid": 5})
    assert orchestrator.response(iid)["e"]["name"] == "Cancelled"
    orchestrator.wait_until(lambda: bool(orchestrator.logs(msg="writes stopped")))
    [stopped] = orchestrator.logs(msg="writes stopped")
    assert stopped["fields"] == {"error": "Cancelled"}
    assert all("end" not in w for w in _writes(orchestrator, 5))


def test_a_refused_write_fails_the_stream(orchestrator: Orchestrator) -> None:
    """The client left: the orchestrator answers StreamClosed; that write and later
    ones raise it."""
    orchestrator.load("v1_streamed_sync.step.py")
    orchestrator.hold = True
    iid = orchestrator.invoke("v1_streamed_sync.step.py", 6, _request(), trigger=HTTP)
    orchestrator.wait_until(lambda: len(orchestrator.held) == 1)
    refused = orchestrator.held.pop(0)
    error = {"name": "StreamClosed", "message": "the client disconnected"}
    orchestrator.send({"t": "res", "id": refused["id"], "ok": False, "e": error})
    orchestrator.wait_until(lambda: iid in orchestrator.responses)
    assert orchestrator.logs(msg="writes stopped")[0]["fields"] == {"error": "StreamClosed"}
    assert orchestrator.held == [] and orchestrator.responses[iid]["r"] is None

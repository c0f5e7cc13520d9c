"""The session layer over an in-memory stream pair: ids, pending calls, batching, closing."""

from __future__ import annotations

import os
from typing import Any

import pytest
import trio
import trio.testing

from orchestrator.errors import CallbackError, ProtocolError, RemoteError, RunnerCrashed
from orchestrator.rpc import wire
from orchestrator.rpc.session import RpcSession


class Peer:
    """The far side of the pipe, speaking raw frames."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.decoder = wire.Decoder()
        self.inbox: list[wire.Message] = []

    async def receive(self, count: int = 1) -> list[wire.Message]:
        while len(self.inbox) < count:
            data = await self.stream.receive_some(65536)
            assert data, "session closed its stream"
            self.inbox.extend(self.decoder.feed(data))
        taken, self.inbox = self.inbox[:count], self.inbox[count:]
        return taken

    async def send(self, frame: bytes) -> None:
        await self.stream.send_all(frame)


async def _no_requests(method: str, params: Any) -> Any:
    raise CallbackError("Nope", f"unexpected {method}")


def _session(stream: trio.abc.Stream, **kwargs: Any) -> RpcSession:
    kwargs.setdefault("on_request", _no_requests)
    kwargs.setdefault("on_note", lambda m, p: None)
    return RpcSession(stream, stream, name="test", **kwargs)


async def test_concurrent_calls_are_matched_by_id_whatever_the_answer_order() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session, peer = _session(ours), Peer(theirs)
    results: dict[int, Any] = {}
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)

        async def call(n: int) -> None:
            results[n] = await session.call("ping", {"n": n})

        for n in range(5):
            nursery.start_soon(call, n)
        requests = await peer.receive(5)
        for request in reversed(requests):
            assert isinstance(request, wire.Request)
            await peer.send(wire.encode_response(request.id, request.params["n"] * 10))
        while len(results) < 5:
            await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert results == {n: n * 10 for n in range(5)}


async def test_error_response_raises_remote_error_with_name_and_stack() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session, peer = _session(ours), Peer(theirs)
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)

        async def answer() -> None:
            [request] = await peer.receive()
            assert isinstance(request, wire.Request)
            error = {"name": "TypeError", "message": "nope", "stack": "at x.ts:3", "line": 3}
            await peer.send(wire.encode_error(request.id, error))

        nursery.start_soon(answer)
        with pytest.raises(RemoteError) as caught:
            await session.call("invoke", {})
        nursery.cancel_scope.cancel()
    assert (caught.value.name, caught.value.stack, caught.value.line) == (
        "TypeError",
        "at x.ts:3",
        3,
    )


async def test_eof_fails_pending_calls_with_runner_crashed_and_refuses_new_ones() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session = _session(ours)
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)

        async def hang_up() -> None:
            await Peer(theirs).receive()
            await theirs.aclose()

        nursery.start_soon(hang_up)
        with pytest.raises(RunnerCrashed):
            await session.call("invoke", {})
    with pytest.raises(RunnerCrashed):
        await session.call("invoke", {})


async def test_garbage_from_the_peer_raises_protocol_error_and_fails_calls() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session = _session(ours)
    outcomes: list[BaseException] = []

    async def serve(task_status: trio.TaskStatus[None]) -> None:
        try:
            await session.serve(task_status=task_status)
        except ProtocolError as exc:
            outcomes.append(exc)

    async def call() -> None:
        try:
            await session.call("invoke", {})
        except RunnerCrashed as exc:
            outcomes.append(exc)

    async with trio.open_nursery() as nursery:
        await nursery.start(serve)
        nursery.start_soon(call)
        await trio.sleep(0.01)
        await theirs.send_all(b"Segmentation fault\n")
    assert sorted(type(e).__name__ for e in outcomes) == ["ProtocolError", "RunnerCrashed"]
    assert all("not a map" in str(e) for e in outcomes)


async def test_requests_from_the_peer_are_served_concurrently_and_errors_are_answered() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    release = trio.Event()

    async def on_request(method: str, params: Any) -> Any:
        if method == "slow":
            await release.wait()
            return "slow done"
        if method == "fail":
            raise CallbackError("UndeclaredTopic", "not in emits")
        if method == "crash":
            raise ValueError("bug")
        return params

    session, peer = _session(ours, on_request=on_request), Peer(theirs)
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        await peer.send(wire.encode_request(1, "slow", {}))
        await peer.send(wire.encode_request(2, "echo", {"a": 1}))
        await peer.send(wire.encode_request(3, "fail", {}))
        await peer.send(wire.encode_request(4, "crash", {}))
        first = await peer.receive(3)  # the slow one has not answered yet
        release.set()
        last = await peer.receive(1)
        nursery.cancel_scope.cancel()
    by_id = {m.id: m for m in first + last if isinstance(m, wire.Response)}
    assert by_id[2].result == {"a": 1}
    assert by_id[3].error == {"name": "UndeclaredTopic", "message": "not in emits"}
    assert by_id[4].error is not None and by_id[4].error["name"] == "InternalError"
    assert by_id[1].result == "slow done" and last[0] == by_id[1]


async def test_notifications_reach_the_handler() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    notes: list[tuple[str, Any]] = []
    session = _session(ours, on_note=lambda m, p: notes.append((m, p)))
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        await theirs.send_all(wire.encode_notification("log", {"msg": "hi"}))
        while not notes:
            await trio.sleep(0.01)
        nursery.cancel_scope.cancel()
    assert notes == [("log", {"msg": "hi"})]


async def test_frames_queued_together_share_one_write() -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    writes: list[int] = []
    original = ours.send_stream.send_all_hook

    async def count_writes() -> None:
        writes.append(1)
        if original is not None:
            await original()

    ours.send_stream.send_all_hook = count_writes
    session = _session(ours)
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        for n in range(50):
            session.notify("log", {"n": n})
        notes = await Peer(theirs).receive(50)
        nursery.cancel_scope.cancel()
    assert len(notes) == 50
    assert len(writes) == 1


async def test_frames_written_straight_to_a_pipe_keep_their_order() -> None:
    """On a quiet session over a real pipe, frames skip the writer task; mixed with
    frames the writer sends (under load), the order on the pipe is still the order
    of the calls."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    receive = trio.lowlevel.FdStream(read_fd)
    ours_send = trio.lowlevel.FdStream(write_fd)
    _, unused = trio.testing.memory_stream_pair()
    session = RpcSession(
        ours_send, unused, on_request=_no_requests, on_note=lambda m, p: None, name="pipe"
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        for n in range(2000):  # more than a pipe holds: some frames wait for the writer
            session.notify("log", {"n": n})
        decoder, got = wire.Decoder(), []
        while len(got) < 2000:
            got.extend(decoder.feed(await receive.receive_some(65536)))
        nursery.cancel_scope.cancel()
    assert [m.params["n"] for m in got if isinstance(m, wire.Notification)] == list(range(2000))

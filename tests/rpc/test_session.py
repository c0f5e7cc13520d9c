"""The session layer over an in-memory stream pair: ids, pending calls, batching, closing."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import trio
import trio.testing

from orchestrator.core.errors import (
    CallbackError,
    CallTimeout,
    ProtocolError,
    RemoteError,
    RunnerCrashed,
)
from orchestrator.rpc import wire
from orchestrator.rpc.pace import SpinPace
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


async def _serve_noting_protocol_errors(
    session: RpcSession, errors: list[BaseException], task_status: trio.TaskStatus[None]
) -> None:
    try:
        await session.serve(task_status=task_status)
    except ProtocolError as exc:
        errors.append(exc)


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
    serve = partial(_serve_noting_protocol_errors, session, outcomes)

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
    assert all("not a frame? b'Segmentation fault" in str(e) for e in outcomes)


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


async def test_an_unanswered_call_times_out_and_its_late_answer_is_dropped(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ours, theirs = trio.testing.memory_stream_pair()
    session, peer = _session(ours), Peer(theirs)
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        began = trio.current_time()
        with pytest.raises(CallTimeout, match="no answer to invoke within 5s"):
            await session.call("invoke", {}, timeout=5)
        assert 5 <= trio.current_time() - began < 5.1
        [late] = await peer.receive()
        assert isinstance(late, wire.Request)
        await peer.send(wire.encode_response(late.id, "too late"))

        async def answer_next() -> None:
            [request] = await peer.receive()
            assert isinstance(request, wire.Request)
            await peer.send(wire.encode_response(request.id, "on time"))

        nursery.start_soon(answer_next)
        assert await session.call("invoke", {}, timeout=5) == "on time"
        assert session.in_flight == 0
        nursery.cancel_scope.cancel()


async def test_a_shorter_timeout_is_not_held_up_by_a_longer_one(
    autojump_clock: trio.testing.MockClock,
) -> None:
    ours, _theirs = trio.testing.memory_stream_pair()
    session = _session(ours)
    outcomes: dict[str, float] = {}
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        began = trio.current_time()

        async def call(name: str, timeout: float) -> None:
            with pytest.raises(CallTimeout):
                await session.call("invoke", {}, timeout=timeout)
            outcomes[name] = trio.current_time() - began

        async with trio.open_nursery() as calls:
            calls.start_soon(call, "long", 100)
            await trio.sleep(0.1)
            calls.start_soon(call, "short", 1)
        nursery.cancel_scope.cancel()
    assert outcomes["short"] == pytest.approx(1.1, abs=0.05)
    assert outcomes["long"] == pytest.approx(100, abs=0.05)


async def test_answers_are_read_straight_from_a_pipe_until_it_closes() -> None:
    to_peer_read, to_peer_write = os.pipe()
    from_peer_read, from_peer_write = os.pipe()
    for fd in (to_peer_write, from_peer_read):
        os.set_blocking(fd, False)
    session = RpcSession(
        trio.lowlevel.FdStream(to_peer_write),
        trio.lowlevel.FdStream(from_peer_read),
        on_request=_no_requests,
        on_note=lambda m, p: None,
        name="pipe",
    )
    requests = trio.lowlevel.FdStream(to_peer_read)
    answers = trio.lowlevel.FdStream(from_peer_write)
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)

        async def answer_twice_then_hang_up() -> None:
            decoder, seen = wire.Decoder(), 0
            while seen < 3:
                for request in decoder.feed(await requests.receive_some(65536)):
                    assert isinstance(request, wire.Request)
                    seen += 1
                    if seen < 3:
                        await answers.send_all(wire.encode_response(request.id, request.id))
            await answers.aclose()

        nursery.start_soon(answer_twice_then_hang_up)
        assert [await session.call("ping", {}) for _ in range(2)] == [1, 2]
        with pytest.raises(RunnerCrashed, match="closed its protocol stream"):
            await session.call("ping", {})
    await requests.aclose()


class ThreadPeer:
    """A peer on real pipes in its own thread, so that it can answer while the trio loop
    is busy polling (a spinning call never yields to it). `answer` maps each message it
    receives to the frames it sends back."""

    def __init__(
        self, answer: Callable[[wire.Message], list[bytes]], spin_seconds: float = 1.0
    ) -> None:
        to_peer_read, to_peer_write = os.pipe()
        from_peer_read, from_peer_write = os.pipe()
        for fd in (to_peer_write, from_peer_read):
            os.set_blocking(fd, False)
        self.session = RpcSession(
            trio.lowlevel.FdStream(to_peer_write),
            trio.lowlevel.FdStream(from_peer_read),
            on_request=_echo_request,
            on_note=lambda m, p: None,
            name="thread peer",
            pace=SpinPace(spin_seconds),  # the default 1 s: long enough for any machine
        )
        self._answer = answer
        threading.Thread(
            target=self._serve, args=(to_peer_read, from_peer_write), daemon=True
        ).start()

    def _serve(self, read_fd: int, write_fd: int) -> None:
        decoder = wire.Decoder()
        while data := os.read(read_fd, 65536):
            for message in decoder.feed(data):
                for frame in self._answer(message):
                    os.write(write_fd, frame)
        os.close(write_fd)


async def _echo_request(method: str, params: Any) -> Any:
    return {"method": method, "params": params}


def _answer_each_request_with_its_params(message: wire.Message) -> list[bytes]:
    return (
        [wire.encode_response(message.id, message.params)]
        if isinstance(message, wire.Request)
        else []
    )


async def test_a_spinning_call_takes_its_answer_without_yielding_to_the_loop() -> None:
    session = ThreadPeer(_answer_each_request_with_its_params).session
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        await trio.testing.wait_all_tasks_blocked()  # a spin needs a quiet loop
        with trio.testing.assert_no_checkpoints():
            assert await session.call("ping", {"n": 1}, spin_key="step") == {"n": 1}
        # Without spin the same call sleeps until the reader task hands the answer over.
        with pytest.raises(AssertionError), trio.testing.assert_no_checkpoints():
            await session.call("ping", {"n": 2})
        nursery.cancel_scope.cancel()


async def test_a_spinning_call_serves_the_runner_s_callback_before_its_answer() -> None:
    def handler_that_calls_back(message: wire.Message) -> list[bytes]:
        if isinstance(message, wire.Request):  # the invoke: call back before answering
            return [wire.encode_request(500, "state.get", {"key": "k"})]
        assert isinstance(message, wire.Response) and message.id == 500
        return [wire.encode_response(1, {"got": message.result})]

    session = ThreadPeer(handler_that_calls_back).session
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        with trio.fail_after(5):
            result = await session.call("invoke", {}, spin_key="step")
        nursery.cancel_scope.cancel()
    assert result == {"got": {"method": "state.get", "params": {"key": "k"}}}


async def test_garbage_met_while_spinning_fails_the_call_and_the_session() -> None:
    session = ThreadPeer(lambda message: [b"Segmentation fault\n"]).session
    outcomes: list[BaseException] = []
    serve = partial(_serve_noting_protocol_errors, session, outcomes)

    async with trio.open_nursery() as nursery:
        await nursery.start(serve)
        with pytest.raises(RunnerCrashed, match="not a frame") as crashed:
            await session.call("invoke", {}, spin_key="step")
        outcomes.append(crashed.value)
    assert sorted(type(e).__name__ for e in outcomes) == ["ProtocolError", "RunnerCrashed"]


async def test_calls_whose_spins_miss_their_answer_stop_spinning() -> None:
    def answer_slowly(message: wire.Message) -> list[bytes]:
        time.sleep(0.02)
        return _answer_each_request_with_its_params(message)

    peer = ThreadPeer(answer_slowly, spin_seconds=0.001)
    session = peer.session
    async with trio.open_nursery() as nursery:
        await nursery.start(session.serve)
        for n in range(3):
            await trio.testing.wait_all_tasks_blocked()
            assert await session.call("slow", {"n": n}, spin_key="slow.step.ts") == {"n": n}
        nursery.cancel_scope.cancel()
    assert session.pace.spin_for("slow.step.ts") == 0.0
    assert session.pace.spin_for("fast.step.ts") == 0.001

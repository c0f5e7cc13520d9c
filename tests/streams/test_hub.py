"""The fan-out hub on its own: bounded outboxes, rooms keyed by stream, group and id,
one copy per client, and dropping a client that cannot keep up."""

from __future__ import annotations

from collections.abc import Callable

import trio

from orchestrator.core.logs import LogSink
from orchestrator.services.streams.hub import WRITE_GAP, StreamHub
from orchestrator.services.streams.messages import Channel
from orchestrator.services.streams.outbox import BATCH_BYTES, Outbox
from orchestrator.services.streams.outgoing import Outgoing


def hub(buffer_messages: int = 8, buffer_bytes: int = 1024) -> StreamHub:
    return StreamHub(
        LogSink(None, None), buffer_messages=buffer_messages, buffer_bytes=buffer_bytes
    )


async def drain(outbox: Outbox) -> list[str]:
    taken = []
    while len(outbox):
        taken += [message.text for message in await outbox.take()]
    return taken


async def test_outbox_is_bounded_by_messages_and_by_bytes() -> None:
    by_count = Outbox(max_messages=2, max_bytes=1000)
    assert by_count.offer(Outgoing("a")) and by_count.offer(Outgoing("b"))
    assert not by_count.offer(Outgoing("c"))
    by_size = Outbox(max_messages=100, max_bytes=10)
    assert by_size.offer(Outgoing("x" * 8))
    assert not by_size.offer(Outgoing("y" * 3))
    # One message larger than the bound still passes when nothing waits: it can be sent.
    assert Outbox(max_messages=100, max_bytes=10).offer(Outgoing("z" * 50))
    # What a direct write left (frames, no text) counts for its bytes.
    with_tail = Outbox(max_messages=100, max_bytes=10)
    assert with_tail.offer(Outgoing.tail(b"t" * 8))
    assert not with_tail.offer(Outgoing("yyy"))


async def test_outbox_take_waits_and_ends_when_closed() -> None:
    outbox = Outbox(max_messages=4, max_bytes=100)
    got: list[str] = []

    async def reader() -> None:
        try:
            while True:
                got.extend(message.text for message in await outbox.take())
        except trio.EndOfChannel:
            got.append("<end>")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        await trio.sleep(0.01)
        outbox.offer(Outgoing("one"))
        outbox.offer(Outgoing("two"))
        await trio.sleep(0.01)
        outbox.close()
    assert got == ["one", "two", "<end>"]


async def test_take_hands_over_what_waits_in_order_in_bounded_batches() -> None:
    outbox = Outbox(max_messages=100, max_bytes=1000)
    for n in range(10):
        assert outbox.offer(Outgoing(f"m{n}"))  # 2 characters each
    assert [m.text for m in await outbox.take(max_bytes=8)] == ["m0", "m1", "m2", "m3"]
    assert [m.text for m in await outbox.take()] == [f"m{n}" for n in range(4, 10)]
    # A message larger than the batch bound still goes, alone.
    outbox.offer(Outgoing("x" * 20))
    outbox.offer(Outgoing("y"))
    assert [m.text for m in await outbox.take(max_bytes=8)] == ["x" * 20]
    assert len(outbox) == 1


async def test_take_waits_until_not_before_and_brings_what_arrived_meanwhile() -> None:
    outbox = Outbox(max_messages=100, max_bytes=1000)
    outbox.offer(Outgoing("first"))
    taken: list[str] = []

    async def writer() -> None:
        batch = await outbox.take(not_before=trio.current_time() + 0.05)
        taken.extend(message.text for message in batch)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer)
        await trio.sleep(0.01)
        assert not taken  # the first waits out the gap...
        outbox.offer(Outgoing("second"))
    assert taken == ["first", "second"]  # ...and goes out with what came meanwhile


async def test_an_item_room_is_keyed_by_stream_group_and_id() -> None:
    h = hub()
    g1, g2, both = h.connect("g1"), h.connect("g2"), h.connect("both")
    h.subscribe(g1, "s1", Channel("items", "g1", "same"))
    h.subscribe(g2, "s2", Channel("items", "g2", "same"))
    h.subscribe(both, "s3", Channel("items", "g1", None))
    h.subscribe(both, "s4", Channel("items", "g1", "same"))
    assert h.publish(Channel("items", "g1", "same"), "change") == 2
    assert await drain(g1.outbox) == ["change"]
    assert await drain(g2.outbox) == []
    # In the group's room and the item's: one copy, which the client routes to both.
    assert await drain(both.outbox) == ["change"]
    assert h.publish(Channel("other", "g1", "same"), "elsewhere") == 0


async def test_leaving_one_of_two_subscriptions_keeps_the_other() -> None:
    h = hub()
    client = h.connect("c")
    h.subscribe(client, "a", Channel("items", "g", None))
    h.subscribe(client, "b", Channel("items", "g", None))
    assert h.unsubscribe(client, "a")
    assert h.publish(Channel("items", "g", "x"), "still") == 1
    assert h.unsubscribe(client, "b")
    assert not h.unsubscribe(client, "b")
    assert h.publish(Channel("items", "g", "x"), "gone") == 0


async def test_a_client_with_a_full_outbox_is_dropped_and_logged() -> None:
    logs = LogSink(None, None)
    h = StreamHub(logs, buffer_messages=2)
    slow, fast = h.connect("slow-client"), h.connect("fast-client")
    for client in (slow, fast):
        h.subscribe(client, "s", Channel("items", "g", None))
    for n in range(5):
        h.publish(Channel("items", "g", "x"), f"m{n}")
        await drain(fast.outbox)
    assert slow.dropped and not fast.dropped
    assert slow.cancel_scope.cancel_called
    assert slow not in h.clients and h.dropped == 1
    assert h.publish(Channel("items", "g", "x"), "later") == 1
    assert any("dropped WebSocket client slow-client" in e["msg"] for e in logs.tail)


async def test_a_direct_write_goes_only_to_an_idle_client_and_its_rest_goes_first() -> None:
    h = hub(buffer_messages=8, buffer_bytes=1000)
    client = h.connect("direct")
    h.subscribe(client, "s", Channel("s", "g"))
    socket = bytearray()
    takes = [5]  # the socket takes 5 bytes of the first frame, then all it is given

    def write(frames: bytes) -> int:
        taken = takes.pop(0) if takes else len(frames)
        socket.extend(frames[:taken])
        return taken

    client.direct = write
    h.publish(Channel("s", "g"), "first")
    h.publish(Channel("s", "g"), "second")  # something waits: not written directly
    assert bytes(socket) == Outgoing("first").frame[:5]
    socket += b"".join(m.frame for m in await client.outbox.take())
    assert bytes(socket) == Outgoing("first").frame + Outgoing("second").frame
    h.publish(Channel("s", "g"), "third")  # idle again: straight to the socket
    assert bytes(socket).endswith(Outgoing("third").frame) and not len(client.outbox)


def recording_writer(takes: list[int] | None = None) -> tuple[list[bytes], Callable[[bytes], int]]:
    """A direct writer that records each write; `takes`: how many bytes the first
    writes take (then all they are given)."""
    writes: list[bytes] = []

    def write(frames: bytes) -> int:
        taken = takes.pop(0) if takes else len(frames)
        writes.append(frames[:taken])
        return taken

    return writes, write


def frames(*texts: str) -> bytes:
    return b"".join(Outgoing(text).frame for text in texts)


async def test_changes_within_the_gap_go_in_one_write_and_a_lone_change_at_once() -> None:
    h = hub()
    one, two = h.connect("one"), h.connect("two")
    writes = {}
    for client in (one, two):
        h.subscribe(client, "s", Channel("s", "g"))
        writes[client], client.direct = recording_writer()
    async with trio.open_nursery() as nursery:
        await nursery.start(h.flush_held)
        h.publish(Channel("s", "g"), "a")  # quiet until now: written within the call
        assert writes[one] == writes[two] == [frames("a")]
        h.publish(Channel("s", "g"), "b")
        h.publish(Channel("s", "g", "x"), "c")
        assert writes[one] == [frames("a")]  # held: a write went less than WRITE_GAP ago
        await trio.sleep(WRITE_GAP * 5)
        # Both held changes in one write, in order, for each client.
        assert writes[one] == writes[two] == [frames("a"), frames("b", "c")]
        await trio.sleep(WRITE_GAP * 2)
        h.publish(Channel("s", "g"), "d")  # quiet again: at once
        assert writes[one][-1] == frames("d") and not one.held
        nursery.cancel_scope.cancel()


async def test_what_a_flush_leaves_goes_first_and_nothing_is_held_without_the_flusher() -> None:
    h = hub()
    client = h.connect("c")
    h.subscribe(client, "s", Channel("s", "g"))
    writes, client.direct = recording_writer([len(frames("a")), 3])
    async with trio.open_nursery() as nursery:
        await nursery.start(h.flush_held)
        for text in ("a", "b", "c"):
            h.publish(Channel("s", "g"), text)
        await trio.sleep(WRITE_GAP * 5)
        assert writes == [frames("a"), frames("b", "c")[:3]]
        h.publish(Channel("s", "g"), "d")  # something waits: after it, through the outbox
        rest = b"".join(message.frame for message in await client.outbox.take())
        assert rest == frames("b", "c", "d")[3:]
        nursery.cancel_scope.cancel()
    # Without the flusher (it ended), every change to an idle client goes at once.
    for text in ("e", "f"):
        h.publish(Channel("s", "g"), text)
    assert writes[-2:] == [frames("e"), frames("f")]


async def test_a_write_s_worth_of_held_frames_goes_without_waiting_for_the_gap() -> None:
    h = hub(buffer_messages=100, buffer_bytes=10 * BATCH_BYTES)
    client = h.connect("big")
    h.subscribe(client, "s", Channel("s", "g"))
    writes, client.direct = recording_writer()
    big = "x" * (BATCH_BYTES // 2)
    async with trio.open_nursery() as nursery:
        await nursery.start(h.flush_held)
        h.publish(Channel("s", "g"), "first")
        for _ in range(2):
            h.publish(Channel("s", "g"), big)
        assert writes == [frames("first"), frames(big, big)] and not client.held
        nursery.cancel_scope.cancel()

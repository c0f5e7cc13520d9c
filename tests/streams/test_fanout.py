"""Fan-out to WebSocket subscribers (docs/reference.md §5): permessage-deflate only when
`stream_deflate` is set, and each client's waiting messages written together, in order,
none lost. Motia's stream server (packages/core/src/socket-server.ts, v0.2.2 and 0.17)
sends each change as its own JSON text frame over `ws`, whose server does not agree to
permessage-deflate unless told to; Motia's clients parse one message per frame, so
batching joins frames in one socket write, never messages in one frame."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import trio
from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from orchestrator.services.streams.outgoing import Outgoing, text_frame
from tests.helpers import serving
from tests.streams.helpers import PROJECT, op, ws_url

CLIENT = Path(__file__).parent / "fanout_client.cjs"


async def _line(stream: trio.abc.ReceiveStream, buffer: bytearray, timeout: float) -> object:
    with trio.fail_after(timeout):
        while b"\n" not in buffer:
            chunk = await stream.receive_some()
            assert chunk, "the Node subscribers ended early"
            buffer += chunk
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return json.loads(line)


@pytest.mark.parametrize("deflate", [False, True])
async def test_deflate_is_agreed_only_when_set_and_every_change_arrives_in_order(
    deflate: bool,
) -> None:
    clients, count = 3, 300
    async with serving(PROJECT, stream_deflate=deflate) as (services, http):
        argv = ["node", str(CLIENT), ws_url(services), "firehose", "g", str(clients), str(count)]
        process = await trio.lowlevel.open_process(argv, stdout=subprocess.PIPE)
        assert process.stdout is not None
        buffer = bytearray()
        try:
            joined = await _line(process.stdout, buffer, 20)
            # What the server answered in its handshake, as the client read it.
            expected = "permessage-deflate" if deflate else ""
            assert joined == {"extensions": [expected] * clients}
            # One handler setting items back to back: they arrive faster than one
            # write each, so each client's pump writes several at once.
            setting = {"stream": "firehose", "op": "setMany", "groupId": "g", "id": "m"}
            await op(http, "ts", **setting, data={"count": count})
            received = await _line(process.stdout, buffer, 30)
        finally:
            process.kill()
            await process.wait()
    assert received == {"ids": [[f"m-{n}" for n in range(count)]] * clients}


def _writes() -> int:
    """Write system calls this process has made (Linux): the server under test runs here."""
    io = Path("/proc/self/io").read_text()
    return int(next(line.split()[1] for line in io.splitlines() if line.startswith("syscw:")))


async def test_changes_made_together_reach_each_subscriber_in_a_few_writes_in_order() -> None:
    # Changes ready within a write gap (2 ms) go to each subscriber in one write: here
    # a handler sends 200 sets at once, and 20 subscribers get all 200 changes, in the
    # same order, in a few hundred writes in all (with one answer to the runner per
    # set), where a write per change per subscriber, as Motia's `pushEvent` makes
    # (`socket.send` to each socket of the room, packages/core/src/socket-server.ts),
    # would make 4,000.
    clients, count = 20, 200
    async with serving(PROJECT) as (services, http):
        argv = ["node", str(CLIENT), ws_url(services), "firehose", "g", str(clients), str(count)]
        process = await trio.lowlevel.open_process(argv, stdout=subprocess.PIPE)
        assert process.stdout is not None
        buffer = bytearray()
        try:
            await _line(process.stdout, buffer, 20)
            before = _writes()
            setting = {"stream": "firehose", "op": "setTogether", "groupId": "g", "id": "m"}
            await op(http, "ts", **setting, data={"count": count})
            received = await _line(process.stdout, buffer, 30)
            writes = _writes() - before
        finally:
            process.kill()
            await process.wait()
    assert isinstance(received, dict)
    orders = received["ids"]
    assert sorted(orders[0]) == sorted(f"m-{n}" for n in range(count))
    assert orders == [orders[0]] * clients
    assert writes < count * clients / 2, f"{writes} writes"


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_shared_frame_is_the_frame_wsproto_would_send(size: int) -> None:
    text = "é" * (size // 2) + "x" * (size % 2)  # multi-byte: lengths count bytes
    assert text_frame(text) == Connection(ConnectionType.SERVER).send(TextMessage(data=text))
    message = Outgoing(text)
    assert message.frame is message.frame  # built once, whoever asks

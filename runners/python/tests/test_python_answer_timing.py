"""When an invocation's answer leaves (issue 23, part 2): the answer of the only
invocation running is written as the handler returns, not one event-loop turn later
(a turn is an epoll wait of its own: `strace -c` counted two per invoke before, one
after, as for the echo program). Answers of invocations running side by side still
share a write. Motia starts a process per call and has no such loop
(packages/core/src/python/python-runner.py at v0.17.14-beta.196 answers each call on
its own stdout); the runner's batching is its own (runners/README.md).

In process, on real pipes and the real Runner and Loader: a callback queued right
behind the handler's task looks at the output pipe."""

from __future__ import annotations

import asyncio
import os
import select
from pathlib import Path

import msgpack
import pytest
from steppe_runner.framing import encode_request
from steppe_runner.loader import Loader
from steppe_runner.loop import loop_factory
from steppe_runner.runner import Runner

# An `async def` handler that awaits nothing: its task's first step ends it.
STEP = """
config = {"type": "api", "name": "Quick", "method": "GET", "path": "/quick", "emits": []}

async def handler(req, context):
    return {"status": 200, "body": {"n": req.body["n"]}}
"""


def _invoke(request_id: int, path: str) -> bytes:
    params = {
        "iid": request_id,
        "path": path,
        "fn": "handler",
        "input": {"body": {"n": request_id}},
        "ctx": {"traceId": "t", "flows": []},
    }
    return encode_request(request_id, "invoke", params)


def _frames(data: bytes) -> list[dict[str, object]]:
    frames = []
    while data:
        size = int.from_bytes(data[:4])
        frames.append(msgpack.unpackb(data[4 : 4 + size], raw=False))
        data = data[4 + size :]
    return frames


async def _written_by_next_callback(project: Path, requests: int) -> list[dict[str, object]]:
    """What the runner wrote by the time a callback queued behind `requests` invokes
    (fed in one read) runs."""
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    os.set_blocking(out_read, False)
    runner = Runner(Loader(str(project)))
    connection = runner._connection
    await connection.open(in_read, out_write)
    step = project / "steps" / "quick.step.py"
    step.write_text(STEP)
    path = str(step)
    await asyncio.get_running_loop().run_in_executor(None, runner._loader.load, path)
    seen = asyncio.get_running_loop().create_future()

    def look() -> None:
        readable, _, _ = select.select([out_read], [], [], 0)
        seen.set_result(os.read(out_read, 1 << 16) if readable else b"")

    connection.data_received(b"".join(_invoke(i, path) for i in range(1, requests + 1)))
    asyncio.get_running_loop().call_soon(look)
    data = await seen
    for fd in (in_read, in_write, out_read, out_write):
        os.close(fd)
    return _frames(data)


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_a_lone_invocation_is_answered_in_its_own_loop_turn(
    project: Path, loop: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPPE_PYTHON_LOOP", loop)
    factory = loop_factory()
    if loop == "uvloop" and factory is None:
        pytest.skip("uvloop is not installed")
    with asyncio.Runner(loop_factory=factory) as run:
        frames = run.run(_written_by_next_callback(project, 1))
    assert [(f["t"], f["id"], f["r"]) for f in frames] == [
        ("res", 1, {"status": 200, "body": {"n": 1}})
    ]


def test_invocations_side_by_side_answer_in_one_turn(project: Path) -> None:
    # Two invokes in one read: the first answer waits for the loop turn's end (the
    # batching), the second, the last one running, takes it along at once.
    with asyncio.Runner(loop_factory=loop_factory()) as run:
        frames = run.run(_written_by_next_callback(project, 2))
    assert [(f["t"], f["id"]) for f in frames] == [("res", 1), ("res", 2)]

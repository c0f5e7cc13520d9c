"""A disk that fills up (issue 15, item 4) does not stop the server: the log file
loses lines and says so once, a request whose state write or emit cannot be saved
answers 503 naming the full disk, other requests are served, and everything works
again once there is space.

The disk is a real one: a 2 MB tmpfs holding the data folder (`data_dir`), filled
by a file. Motia keeps state and queues in memory by default and has no such case;
an adapter's failure there reaches the client as a 500 (packages/core/src/
server.ts, the API route's catch).
"""

from __future__ import annotations

import contextlib
import errno
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import serving, wait_for

STEPS = {
    "steps/save_step.py": (
        "config = {'type': 'api', 'name': 'Save', 'method': 'POST', 'path': '/save/:key'}\n\n"
        "async def handler(req, context):\n"
        "    key = req['pathParams']['key']\n"
        "    await context.state.set('blobs', key, 'v' * 300_000)\n"
        "    context.logger.info(f'saved {key}')\n"
        "    return {'status': 200, 'body': {'saved': key}}\n"
    ),
    "steps/send.step.ts": (
        "export const config = { type: 'api', name: 'Send', method: 'POST', path: '/send',\n"
        "  emits: ['blob'] }\n"
        "export const handler = async (req: unknown, { emit }: any) => {\n"
        "  await emit({ topic: 'blob', data: { blob: 'v'.repeat(300_000) } })\n"
        "  return { status: 200, body: 'sent' }\n}\n"
    ),
    "steps/take.step.ts": (
        "export const config = { type: 'event', name: 'Take', subscribes: ['blob'], emits: [] }\n"
        "export const handler = async () => {}\n"
    ),
    "steps/ok.step.rb": (
        "def config\n  { type: 'api', name: 'Ok', method: 'GET', path: '/ok' }\nend\n"
        "def handler(req, ctx)\n  { status: 200, body: 'ok' }\nend\n"
    ),
}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system of its own (tmpfs), unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """A file taking every free byte of `disk`."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as file, contextlib.suppress(OSError):
        while True:
            file.write(b"\0" * 4096)
    with pytest.raises(OSError) as full:
        (disk / "probe").write_bytes(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


@pytest.mark.parametrize("mode", ["dev", "start"])
async def test_a_full_disk_answers_503_for_what_cannot_be_saved_and_serves_the_rest(
    mode: str, make_project: Callable[..., Path], small_disk: Path
) -> None:
    root = make_project(STEPS)
    settings = {"state": "sqlite", "queue": "sqlite", "data_dir": str(small_disk)}
    async with serving(root, mode, **settings) as (services, client):
        assert (await client.post("/save/before")).status_code == 200
        filler = fill(small_disk)

        saved = await client.post("/save/during")
        sent = await client.post("/send")
        for response in (saved, sent):
            assert response.status_code == 503, response.text
            body = response.json()
            assert body["error"] == "storage unavailable"
            assert "the disk is full" in body["message"]
            assert body["traceId"] == response.headers["x-trace-id"]
            # `start` names no file to the outside; the log has the details.
            assert (str(small_disk) in body["message"]) == (mode == "dev")
        assert saved.json()["message"].startswith(
            "Save could not save its data" if mode == "start" else "Save ["
        )
        assert sent.json()["message"].startswith("Send ")
        logged = [e["msg"] for e in services.env.logs.tail if "could not save its data" in e["msg"]]
        assert len(logged) == 2 and all(str(small_disk) in text for text in logged)
        for _ in range(20):  # serving goes on, and the log file's failure is told once
            assert (await client.get("/ok")).status_code == 200
        assert (await client.post("/save/again")).status_code == 503
        if mode == "dev":  # the workbench's own state writes answer 503 too (start: no token)
            put = await client.put(
                "/__steppe/api/state/blobs/admin",
                content=b'"' + b"x" * 200_000 + b'"',
                headers={"content-type": "application/json"},
            )
            assert put.status_code == 503, put.text
            assert put.json()["error"] == "storage unavailable"
        warnings = [e for e in services.env.logs.tail if "cannot write the log file" in e["msg"]]
        assert len(warnings) == 1, warnings
        assert "No space left on device" in warnings[0]["msg"]

        filler.unlink()
        assert (await client.post("/save/after")).status_code == 200
        assert (await client.post("/send")).status_code == 200
        saved_keys = [key for key, _ in await services.env.state.items("blobs")]
        assert sorted(saved_keys) == ["after", "before"]
        # The log file is written again, a JSON object a line (a line a failed write
        # broke off is ended first).
        log_file = small_disk / "logs" / "steppe.jsonl"
        await wait_for(lambda: "saved after" in log_file.read_text())
        lines = log_file.read_text().splitlines()
        assert sum(1 for line in lines if _is_json(line)) >= len(lines) - 1


def _is_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False

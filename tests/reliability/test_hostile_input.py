"""Hostile input, one test each: files that block at import, raw writes to fd 1 from
every language, unserialisable results, a 100 MB body, path traversal."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import trio

from tests.helpers import serving, wait_for

BLOCKING = {
    "steps/block.step.py": "import time\nwhile True:\n    time.sleep(1)\nconfig = {}\n",
    "steps/block.step.js": "while (true) {}\nexports.config = {}\n",
    "steps/block.step.rb": "sleep\ndef config\n  {}\nend\n",
}
GOOD = {
    "steps/good.step.py": (
        "config = {'type': 'api', 'name': 'GoodPy', 'method': 'GET', 'path': '/py'}\n\n"
        "async def handler(req, context):\n    return {'status': 200, 'body': 'py'}\n"
    ),
    "steps/good.step.ts": (
        "export const config = { type: 'api', name: 'GoodTs', method: 'GET', path: '/ts' }\n"
        "export const handler = async () => ({ status: 200, body: 'ts' })\n"
    ),
    "steps/good.step.rb": (
        "def config\n  { type: 'api', name: 'GoodRb', method: 'GET', path: '/rb' }\nend\n"
        "def handler(req, ctx)\n  { status: 200, body: 'rb' }\nend\n"
    ),
}


async def test_files_that_block_at_import_are_reported_and_the_rest_serve(
    make_project: Callable[..., Path],
) -> None:
    project = make_project(BLOCKING | GOOD)
    async with serving(project, load_timeout=1.5) as (services, client):
        problems = {p.path.name: p.message for p in services.runtime.project.errors}
        for lang in ("py", "ts", "rb"):
            response = await client.get(f"/{lang}")
            assert response.status_code == 200, (lang, response.text, problems)
            assert response.json() == lang
    assert set(problems) == {"block.step.py", "block.step.js", "block.step.rb"}
    assert all("did not finish loading within 1.5s" in m for m in problems.values())


RAW_WRITERS = {
    "steps/raw.step.py": (
        "import os\n"
        "config = {'type': 'api', 'name': 'RawPy', 'method': 'GET', 'path': '/raw/py'}\n\n"
        "async def handler(req, context):\n"
        "    os.write(1, b'\\xc1\\x00 raw bytes from py\\n')\n"
        "    return {'status': 200, 'body': 'ok'}\n"
    ),
    "steps/raw.step.js": (
        "const fs = require('fs')\n"
        "exports.config = { type: 'api', name: 'RawJs', method: 'GET', path: '/raw/js' }\n"
        "exports.handler = async () => {\n"
        "  fs.writeSync(1, Buffer.from([0xc1, 0x00]))\n"
        "  fs.writeSync(1, ' raw bytes from js\\n')\n"
        "  return { status: 200, body: 'ok' }\n"
        "}\n"
    ),
    "steps/raw.step.rb": (
        "def config\n  { type: 'api', name: 'RawRb', method: 'GET', path: '/raw/rb' }\nend\n"
        "def handler(req, ctx)\n"
        '  IO.new(1, autoclose: false).syswrite("\\xC1\\x00 raw bytes from rb\\n")\n'
        "  { status: 200, body: 'ok' }\nend\n"
    ),
}


async def test_raw_writes_to_fd_1_never_reach_the_protocol(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(RAW_WRITERS)) as (services, client):
        pids = {
            lang: services.runtime.pool.supervisor(lang).pid for lang in ("node", "python", "ruby")
        }
        for lang in ("py", "js", "rb"):
            response = await client.get(f"/raw/{lang}")
            assert response.status_code == 200, response.text

            def logged(text: str = f"raw bytes from {lang}") -> bool:
                return any(text in e["msg"] for e in services.env.logs.tail)

            await wait_for(logged, timeout=5)
        # No runner was restarted: the bytes went to stderr, not the protocol pipe.
        assert pids == {lang: services.runtime.pool.supervisor(lang).pid for lang in pids}


UNSERIALISABLE = {
    "steps/bad.step.py": (
        "config = {'type': 'api', 'name': 'BadPy', 'method': 'GET', 'path': '/bad/py'}\n\n"
        "async def handler(req, context):\n"
        "    return {'status': 200, 'body': object()}\n"
    ),
    "steps/bad.step.ts": (
        "export const config = { type: 'api', name: 'BadTs', method: 'GET', path: '/bad/ts' }\n"
        "export const handler = async () => ({ status: 200, body: { n: 10n } })\n"
    ),
    "steps/bad.step.rb": (
        "def config\n  { type: 'api', name: 'BadRb', method: 'GET', path: '/bad/rb' }\nend\n"
        "def handler(req, ctx)\n  { status: 200, body: -> { 1 } }\nend\n"
    ),
}


async def test_a_result_that_cannot_be_serialised_is_a_500_naming_the_problem(
    make_project: Callable[..., Path],
) -> None:
    async with serving(make_project(UNSERIALISABLE)) as (_, client):
        for lang in ("py", "ts", "rb"):
            response = await client.get(f"/bad/{lang}")
            assert response.status_code == 500, response.text
            body = response.json()
            assert body["name"] == "SerializationError", body
            assert body["message"], body


def _raw_request(port: int, head: bytes, first_chunk: bytes) -> tuple[bytes, int]:
    """Send a request head and one chunk of its body; the answer, and how many more body
    bytes the server let us send before answering (it should not wait for them)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + first_chunk)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer, len(first_chunk)


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def test_a_100_mb_body_gets_413_before_it_is_read(
    make_project: Callable[..., Path],
) -> None:
    upload = (
        "config = {'type': 'api', 'name': 'Upload', 'method': 'POST', 'path': '/upload'}\n\n"
        "async def handler(req, context):\n    return {'status': 200, 'body': 'stored'}\n"
    )
    async with serving(make_project({"steps/upload.step.py": upload})) as (services, _):
        port = int(services.url.rsplit(":", 1)[1])
        head = (
            b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        answer, sent = await trio.to_thread.run_sync(_raw_request, port, head, b"[" * 65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"traceId"' in answer and sent < 104857600


@pytest.mark.parametrize(
    "path",
    [
        "/__steppe/api/state/..%2F..%2F..%2Fetc%2Fpasswd",
        "/__steppe/api/traces/..%2F..%2Fetc%2Fpasswd",
        "/__steppe/api/dlq/..%2F..%2Fetc%2Fpasswd",
        "/..%2F..%2Fetc%2Fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/__steppe/api/../../etc/passwd",
    ],
)
async def test_path_traversal_never_reaches_the_file_system(
    path: str, make_project: Callable[..., Path]
) -> None:
    async with serving(make_project(GOOD)) as (services, _):
        port = int(services.url.rsplit(":", 1)[1])
        head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        answer, _ = await trio.to_thread.run_sync(_raw_request, port, head, b"")
    assert b"root:" not in answer
    status = int(answer.split(b" ", 2)[1])
    assert status in (200, 404), answer[:300]
    assert b"application/json" in answer.lower()

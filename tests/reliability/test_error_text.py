"""What a handler's failure says reaches the user as text that helps (issue 15, item 7):
a Ruby `throw` (whose message Ruby holds as binary) is not shown as Python bytes `b'…'`,
and a Python integer too large for a message names where it sits in the value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import trio

from orchestrator.core.errors import RemoteError
from tests.helpers import serving

PY_HUGE = """
config = {"type": "api", "name": "Huge", "method": "GET", "path": "/huge"}

async def handler(req, ctx):
    return {"status": 200, "body": {"n": 2**100}}
"""
JS_BARE_THROW = """
exports.config = { type: 'api', name: 'BareThrow', method: 'GET', path: '/bare' }
exports.handler = async () => { throw Object.create(null) }
"""
RUBY_THROW = """
def config
  { type: 'api', name: 'Thrower', method: 'GET', path: '/throw', emits: [] }
end

def handler(_req, _ctx)
  throw :nope
end
"""


def test_binary_fields_of_a_remote_error_are_read_as_utf8() -> None:
    error = RemoteError({"name": b"UncaughtThrowError", "message": "café :nope".encode()})
    assert error.name == "UncaughtThrowError"
    assert error.remote_message == "café :nope"
    assert str(error) == "UncaughtThrowError: café :nope"


async def test_a_ruby_throw_reads_as_text(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/thrower.step.rb": RUBY_THROW})
    async with serving(root) as (_services, client):
        response = await client.get("/throw")
    assert response.status_code == 500
    text = response.text
    assert "uncaught throw :nope" in text
    assert "b'" not in text and 'b\\"' not in text


async def test_a_python_int_too_large_names_where_it_is(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/huge_step.py": PY_HUGE})
    async with serving(root) as (_services, client):
        response = await client.get("/huge")
    assert response.status_code == 500
    assert response.json()["name"] == "SerializationError"
    assert (
        "return value['body']['n']: the integer 1267650600228229401496703205376"
        in (response.json()["message"])
    )


async def test_a_js_throw_of_a_bare_object_is_answered_at_once(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"steps/bare.step.js": JS_BARE_THROW})
    async with serving(root, handler_timeout=20) as (_services, client):
        with trio.fail_after(5):  # was a 504 after the whole handler timeout
            response = await client.get("/bare")
    assert response.status_code == 500
    assert response.json()["message"] == "a thrown object: {}"

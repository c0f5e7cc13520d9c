"""What a handler's failure says reaches the user as text in every language: a Ruby
`throw` (whose message Ruby holds as binary) is not shown as Python bytes `b'…'`
(issue 15, item 7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orchestrator.core.errors import RemoteError
from tests.helpers import serving

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

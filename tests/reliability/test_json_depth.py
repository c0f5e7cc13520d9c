"""One nesting limit end to end (issue 15 item 2, `max_json_depth`, default 100): a body
at the limit reaches a step in every language, one level deeper is a 400, and the
runners stay up — a body 127 levels deep used to crash the Ruby runner (its msgpack
decoder holds 128 containers, the invoke frame's own levels included). Values a step
emits or stores are held to the same limit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.core.json_depth import DEFAULT_MAX_JSON_DEPTH, deeper_than
from tests.helpers import serving

JS_DEPTH = """
const depth = (v) =>
  v && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0
"""
ECHO = {
    "ts": (
        "steps/echo.step.ts",
        "export const config = { type: 'api', name: 'EchoTs', method: 'POST', path: '/echo/ts' }\n"
        "export const handler = async (req) =>\n"
        "  ({ status: 200, body: { depth: depth(req.body) } })\n" + JS_DEPTH,
    ),
    "js": (
        "steps/echo.step.js",
        "exports.config = { type: 'api', name: 'EchoJs', method: 'POST', path: '/echo/js' }\n"
        "exports.handler = async (req) => ({ status: 200, body: { depth: depth(req.body) } })\n"
        + JS_DEPTH,
    ),
    "py": (
        "steps/echo_step.py",
        """
config = {'type': 'api', 'name': 'EchoPy', 'method': 'POST', 'path': '/echo/py'}

def depth(v):
    if isinstance(v, dict):
        v = list(v.values())
    return 1 + max(map(depth, v), default=0) if isinstance(v, list) else 0

async def handler(req, ctx):
    return {'status': 200, 'body': {'depth': depth(req['body'])}}
""",
    ),
    "rb": (
        "steps/echo.step.rb",
        """
def config
  { type: 'api', name: 'EchoRb', method: 'POST', path: '/echo/rb' }
end

def depth(v)
  v = v.values if v.is_a?(Hash)
  v.is_a?(Array) ? 1 + (v.map { |x| depth(x) }.max || 0) : 0
end

def handler(req, _ctx)
  { status: 200, body: { depth: depth(req['body']) } }
end
""",
    ),
}
DEEP_EMIT = """
exports.config = {
  type: 'api', name: 'DeepEmit', method: 'POST', path: '/deep-emit', emits: ['deep'],
}
exports.handler = async (req, { emit, state }) => {
  let value = 'leaf'
  for (let i = 0; i < req.body.levels; i++) value = [value]
  const errors = []
  try { await emit({ topic: 'deep', data: { value } }) } catch (e) { errors.push(e.message) }
  try { await state.set('deep', 'v', value) } catch (e) { errors.push(e.message) }
  return { status: 200, body: { errors } }
}
"""


def nested_text(levels: int) -> str:
    """A JSON body `levels` objects deep, as text (json.dumps recurses; this does not)."""
    return '{"in":' * levels + '"leaf"' + "}" * levels


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = {"in": value}
    return value


def test_depth_is_counted_in_containers() -> None:
    assert not deeper_than("x", 0)
    assert not deeper_than([[1]], 2) and deeper_than([[1]], 1)
    assert not deeper_than(nested(100), 100) and deeper_than(nested(101), 100)
    assert deeper_than([[]] * 3 + [nested(5)], 5)
    assert deeper_than(nested(50_000), DEFAULT_MAX_JSON_DEPTH)  # past Python's recursion


JSON = {"content-type": "application/json"}


@pytest.fixture
def echo_project(make_project: Callable[..., Path]) -> Path:
    return make_project(dict(ECHO.values()) | {"steps/deep.step.js": DEEP_EMIT})


async def test_the_limit_holds_for_every_language_and_runners_stay_up(echo_project: Path) -> None:
    async with serving(echo_project) as (_services, client):
        for language in ECHO:
            url = f"/echo/{language}"
            at_limit = await client.post(url, content=nested_text(100), headers=JSON)
            assert at_limit.status_code == 200, (language, at_limit.text)
            assert at_limit.json() == {"depth": 100}
            for levels in (101, 127, 5000):
                refused = await client.post(url, content=nested_text(levels), headers=JSON)
                assert refused.status_code == 400, (language, levels)
                assert "more than 100 levels (max_json_depth)" in refused.json()["message"]
        for language in ECHO:  # every runner still answers
            assert (await client.post(f"/echo/{language}", json=[1])).json() == {"depth": 1}


async def test_values_a_step_emits_or_stores_are_held_to_the_limit(echo_project: Path) -> None:
    async with serving(echo_project) as (services, client):
        ok = await client.post("/deep-emit", json={"levels": 99})
        assert ok.json() == {"errors": []}
        refused = await client.post("/deep-emit", json={"levels": 120})
        errors = refused.json()["errors"]
        assert len(errors) == 2
        assert all("nested deeper than 100 levels (max_json_depth)" in e for e in errors)
        assert "emit" in errors[0] and "state.set" in errors[1]
        assert await services.env.state.get("deep", "v") is not None  # the 99-level value


async def test_the_limit_is_a_setting(echo_project: Path) -> None:
    async with serving(echo_project, max_json_depth=5) as (_services, client):
        assert (await client.post("/echo/py", json=nested(5))).status_code == 200
        refused = await client.post("/echo/py", json=nested(6))
        assert refused.status_code == 400
        assert "more than 5 levels" in refused.json()["message"]
        admin = await client.post("/__steppe/api/emit", json={"topic": "deep", "data": nested(6)})
        assert admin.status_code == 400

"""Emits as Motia treats them: a step with no `emits` may emit any topic; a topic missing
from a non-empty `emits` is delivered (Motia drops it) with a warning naming the step
and topic, once per step and topic, and shows as an undeclared edge in the flow graph.
`strict_emits = true` makes it an error (tests/integration/test_bus.py).

Motia 0.17: `isAllowedToEmit` in packages/core/src/utils.ts and its use in
packages/core/src/call-step-file.ts at v0.17.14-beta.196."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import serving, wait_for

NO_EMITS = """
exports.config = { type: 'api', name: 'Free', method: 'POST', path: '/free', flows: ['f'] }
exports.handler = async (req, { emit }) => {
  await emit({ topic: 'anything.goes', data: { n: req.body.n } })
  return { status: 202, body: {} }
}
"""
UNLISTED = """
export const config = {
  type: 'api', name: 'Listed', method: 'POST', path: '/listed', flows: ['f'],
  emits: ['declared.topic'],
}
export const handler = async (req, { emit }) => {
  await emit({ topic: 'surprise.topic', data: { n: req.body.n } })
  await emit({ topic: 'surprise.topic', data: { n: req.body.n + 100 } })
  return { status: 202, body: {} }
}
"""
RECORDER = """
def config
  { type: 'event', name: 'Recorder', subscribes: ['anything.goes', 'surprise.topic'],
    emits: [], flows: ['f'] }
end

def handler(input, ctx)
  ctx.state.set('seen', input['n'].to_s, true)
end
"""


async def test_a_step_with_no_emits_may_emit_any_topic(make_project: Callable[..., Path]) -> None:
    root = make_project({"steps/free.step.js": NO_EMITS, "steps/recorder.step.rb": RECORDER})
    async with serving(root) as (services, client):
        assert (await client.post("/free", json={"n": 1})).status_code == 202
        assert await wait_for(lambda: services.env.state.get("seen", "1"))
        assert not [e for e in services.env.logs.tail if e["level"] == "warn"]


async def test_an_unlisted_topic_is_delivered_and_warned_once(
    make_project: Callable[..., Path],
) -> None:
    root = make_project({"steps/listed.step.ts": UNLISTED, "steps/recorder.step.rb": RECORDER})
    async with serving(root) as (services, client):
        for n in (1, 2):
            assert (await client.post("/listed", json={"n": n})).status_code == 202
        for key in ("1", "101", "2", "102"):
            assert await wait_for(lambda key=key: services.env.state.get("seen", key))
        warnings = [
            e
            for e in services.env.logs.tail
            if e["level"] == "warn" and "surprise.topic" in e["msg"]
        ]
        assert len(warnings) == 1, warnings
        assert warnings[0]["step"] == "Listed"
        assert "Listed emitted 'surprise.topic', which is not in its emits" in warnings[0]["msg"]
        (flow,) = (await client.get("/__steppe/api/flows")).json()["flows"]
        (edge,) = [e for e in flow["edges"] if e["topic"] == "surprise.topic"]
        assert edge["source"] == "Listed" and edge["target"] == "Recorder"
        assert edge["undeclared"] is True
        declared = [e for e in flow["edges"] if "undeclared" in e]
        assert declared == [edge]

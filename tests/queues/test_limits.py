"""Concurrency, rate limits and debounce through the real server and runners
(docs/reference.md §12), on the memory and SQLite stores.

Motia 0.17 bounds a standard queue's parallel runs with `concurrency`
(packages/core/src/types.ts, `QueueConfig`, at v0.17.14-beta.196), as Motia 1.0's
queue config does (frameworks/motia/motia-js/packages/motia/src/types.ts at HEAD);
rate limits and debounce are Steppe's (docs/reference.md §12), under the same
`infrastructure.queue`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.helpers import serving, wait_for

# Node runs every invocation on one thread: a module variable counts them exactly.
CONCURRENCY_PROJECT = {
    "steps/limited.step.js": """
let inFlight = 0
let most = 0
exports.config = { type: 'event', name: 'Limited', subscribes: ['job'], emits: [],
  infrastructure: { queue: { concurrency: 2 } } }
exports.handler = async (input, { state }) => {
  inFlight += 1
  most = Math.max(most, inFlight)
  await new Promise((resolve) => setTimeout(resolve, 30))
  inFlight -= 1
  await state.set('limited', String(input.n), most)
}
""",
}


async def _emit(client: httpx.AsyncClient, topic: str, data: object) -> None:
    response = await client.post("/__steppe/api/emit", json={"topic": topic, "data": data})
    assert response.status_code == 202, response.text


async def test_a_concurrency_limit_of_two_is_never_exceeded(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(CONCURRENCY_PROJECT)
    async with serving(project, **stores) as (services, client):
        for n in range(20):
            await _emit(client, "job", {"n": n})
        await services.bus.wait_idle()
        seen = await services.env.state.get_group("limited")
    assert len(seen) == 20
    assert max(seen) == 2  # reached, never passed


RATE_PROJECT = {
    "steps/rated_step.py": """
import time
config = {"type": "event", "name": "Rated", "subscribes": ["job"], "emits": [],
          "infrastructure": {"queue": {"rateLimit": {"limit": 10, "periodSeconds": 1}}}}

async def handler(data, context):
    await context.state.set("rated", str(data["n"]), time.time())
""",
}
# Starts are timed in the handler, a little after the orchestrator let them go: a
# window a little short of a second allows for that.
SLACK = 0.05


async def test_a_rate_limit_of_ten_a_second_holds_over_three_seconds(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(RATE_PROJECT)
    async with serving(project, **stores) as (services, client):
        for n in range(40):
            await _emit(client, "job", {"n": n})
        await services.bus.wait_idle()
        starts = sorted(await services.env.state.get_group("rated"))
    assert len(starts) == 40  # none dropped
    assert starts[-1] - starts[0] >= 3 - SLACK
    for first in starts:
        assert sum(first <= t < first + 1 - SLACK for t in starts) <= 10


DEBOUNCE_PROJECT = {
    "steps/burst.step.ts": """
export const config = { type: 'api', name: 'Burst', method: 'POST', path: '/burst',
  emits: ['edit'] }
export const handler = async (req: any, { emit }: any) => {
  for (let n = 0; n < 10; n++) await emit({ topic: 'edit', data: { doc: 'a', n } })
  return { status: 202, body: {} }
}
""",
    "steps/save.step.rb": """
def config
  { type: 'event', name: 'Save', subscribes: ['edit'], emits: [],
    infrastructure: { queue: { debounce: { periodSeconds: 0.5, key: 'doc' } } } }
end

def handler(input, context)
  runs = context.state.get('saves', input['doc']) || []
  context.state.set('saves', input['doc'], runs + [input['n']])
end
""",
}


async def test_a_debounced_burst_of_ten_runs_once_with_the_last_data(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(DEBOUNCE_PROJECT)
    async with serving(project, **stores) as (services, client):
        assert (await client.post("/burst", json={})).status_code == 202
        await wait_for(lambda: services.env.state.get("saves", "a"), timeout=10)
        await services.bus.wait_idle()
        assert await services.env.state.get("saves", "a") == [9]
        assert await services.bus.store.pending() == []

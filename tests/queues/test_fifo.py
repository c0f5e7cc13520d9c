"""FIFO queues through the real server and runners (docs/reference.md §12), on the
memory, SQLite and Redis stores: the events of one message group are handled one at a time
in emit order, in every language, while groups run side by side; a failing event
holds its group until it succeeds.

Motia 0.17 declares `infrastructure.queue.type: 'fifo'` and an emit's `messageGroupId`
(packages/core/src/types.ts, `QueueConfig` and `EmitData`, at v0.17.14-beta.196); its
in-memory queue locks a group while one of its messages runs
(packages/core/src/queue-manager.ts, `lockedGroups`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import serving, wait_for

GROUPS = 4
EVENTS = 50  # per group
LANGS = ("ts", "js", "py", "rb")

BURST = f"""
config = {{"type": "api", "name": "Burst", "method": "POST", "path": "/burst",
          "emits": ["ordered"]}}

async def handler(req, context):
    for n in range({EVENTS}):
        for g in range({GROUPS}):
            group = f"g{{g}}"
            await context.emit({{"topic": "ordered", "data": {{"g": group, "n": n}},
                                "messageGroupId": group}})
    return {{"status": 202, "body": {{}}}}
"""

# Each handler appends n to its group's list (a read and a write: safe only if the
# group's events never overlap) and keeps when it ran, to show groups overlapping.
FIFO_PROJECT = {
    "steps/burst.step.py": BURST,
    "steps/ordered.step.ts": """
export const config = { type: 'event', name: 'OrderedTs', subscribes: ['ordered'], emits: [],
  infrastructure: { queue: { type: 'fifo' } } }
export const handler = async (input: { g: string; n: number }, { state }: any) => {
  const start = Date.now() / 1000
  const seen: number[] = (await state.get('order-ts', input.g)) ?? []
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
  await state.set('order-ts', input.g, [...seen, input.n])
  await state.set('spans-ts', `${input.g}-${input.n}`, [start, Date.now() / 1000])
}
""",
    "steps/ordered.step.js": """
exports.config = { type: 'event', name: 'OrderedJs', subscribes: ['ordered'], emits: [],
  infrastructure: { queue: { type: 'fifo' } } }
exports.handler = async (input, { state }) => {
  const start = Date.now() / 1000
  const seen = (await state.get('order-js', input.g)) ?? []
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3))
  await state.set('order-js', input.g, [...seen, input.n])
  await state.set('spans-js', `${input.g}-${input.n}`, [start, Date.now() / 1000])
}
""",
    "steps/ordered_step.py": """
import asyncio, random, time
config = {"type": "event", "name": "OrderedPy", "subscribes": ["ordered"], "emits": [],
          "infrastructure": {"queue": {"type": "fifo"}}}

async def handler(data, context):
    start = time.time()
    seen = await context.state.get("order-py", data["g"]) or []
    await asyncio.sleep(random.random() * 0.003)
    await context.state.set("order-py", data["g"], seen + [data["n"]])
    await context.state.set("spans-py", f"{data['g']}-{data['n']}", [start, time.time()])
""",
    "steps/ordered.step.rb": """
def config
  { type: 'event', name: 'OrderedRb', subscribes: ['ordered'], emits: [],
    infrastructure: { queue: { type: 'fifo' } } }
end

def handler(input, context)
  start = Time.now.to_f
  seen = context.state.get('order-rb', input['g']) || []
  sleep(rand * 0.003)
  context.state.set('order-rb', input['g'], seen + [input['n']])
  context.state.set('spans-rb', "#{input['g']}-#{input['n']}", [start, Time.now.to_f])
end
""",
}


async def test_each_group_keeps_its_order_in_every_language_while_groups_overlap(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(FIFO_PROJECT)
    async with serving(project, **stores) as (services, client):
        assert (await client.post("/burst", json={})).status_code == 202
        state = services.env.state

        async def all_handled() -> bool:
            for lang in LANGS:
                spans = await state.get_group(f"spans-{lang}")
                if len(spans) < GROUPS * EVENTS:
                    return False
            return True

        await wait_for(all_handled, timeout=60)
        await services.bus.wait_idle()
        for lang in LANGS:
            for g in range(GROUPS):
                assert await state.get(f"order-{lang}", f"g{g}") == list(range(EVENTS)), lang
            spans = {
                g: [await state.get(f"spans-{lang}", f"g{g}-{n}") for n in range(EVENTS)]
                for g in range(GROUPS)
            }
            for runs in spans.values():  # one at a time: each began after the last ended
                assert all(b[0] >= a[1] for a, b in itertools.pairwise(runs)), lang
            assert _overlapping_groups(spans) >= 2, f"{lang}: groups ran one after another"


def _overlapping_groups(spans: dict[int, list[Any]]) -> int:
    """How many groups were running together at some moment (the most at once)."""
    edges = sorted(
        [(start, 1) for runs in spans.values() for start, _ in runs]
        + [(end, -1) for runs in spans.values() for _, end in runs]
    )
    # Of events of different groups: within a group they never overlap (checked above).
    running = most = 0
    for _, change in edges:
        running += change
        most = max(most, running)
    return most


FAILING_PROJECT = {
    "steps/failing_step.py": """
config = {"type": "event", "name": "Flaky", "subscribes": ["job"], "emits": [],
          "infrastructure": {"queue": {"type": "fifo", "maxRetries": 3,
                                       "backoff": {"type": "fixed", "delayMs": 100}}}}

async def handler(data, context):
    attempts = await context.state.get("attempts", data["g"]) or []
    await context.state.set("attempts", data["g"], attempts + [data["n"]])
    if data["g"] == "a" and data["n"] == 2 and attempts.count(2) < 2:
        raise RuntimeError("not yet")
    done = await context.state.get("done", data["g"]) or []
    await context.state.set("done", data["g"], done + [data["n"]])
""",
}


async def test_an_event_failing_twice_holds_its_group_until_it_succeeds(
    make_project: Callable[..., Path], stores: dict[str, str]
) -> None:
    project = make_project(FAILING_PROJECT)
    async with serving(project, **stores) as (services, client):
        for n in range(5):
            for g in "ab":
                body = {"topic": "job", "data": {"g": g, "n": n}, "messageGroupId": g}
                assert (await client.post("/__steppe/api/emit", json=body)).status_code == 202
        await wait_for(lambda: services.env.state.get("done", "a"), timeout=20)
        await services.bus.wait_idle()
        state = services.env.state
        # Every attempt in order: 2 failed twice and nothing of group a ran meanwhile.
        assert await state.get("attempts", "a") == [0, 1, 2, 2, 2, 3, 4]
        assert await state.get("done", "a") == [0, 1, 2, 3, 4]
        assert await state.get("done", "b") == [0, 1, 2, 3, 4]
        assert await services.bus.store.dead_letters() == []

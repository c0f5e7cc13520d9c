"""What state and stream calls return (issue 18, part 4), through the real server and the
Node, Python and Ruby runners.

Motia 1.0's `stateManager.set` and `update` resolve to iii's `StreamSetResult`,
`{new_value, old_value}`, and `delete` to the old value (motia-js
packages/motia/src/new/state.ts and src/types.ts `InternalStateManager`; the engine's
engine/src/modules/state/state.rs serialises `SetResult` with `old_value: null` when the
key was missing). A `Stream`'s `set` and `update` resolve to `{new_value, old_value}`
and its `delete` to nothing (src/new/stream.ts `Promise<void>`; motia-py streams.py
`delete` returns None). Motia 0.17's `ctx.state.set` resolves to the value and a
stream's `set` to the stored item (packages/core/src/state/..., streams/...), which a
0.17 handler keeps; a 1.0 handler's `ctx.state`/`ctx.streams` answer as the module does,
as the release candidates' FlowContext held `state: stateManager`
(v1.0.0-rc.26 motia-js/packages/motia/src/new/build/utils.ts). Each write is still one
change to a state trigger."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from tests.helpers import serving, wait_for

NOTES_STREAM = """
export const config = {
  name: 'notes',
  schema: { type: 'object', properties: { text: { type: 'string' } } },
  baseConfig: { storageType: 'default' },
}
"""

# Counts the changes to the `shapes` group, per key: one per write.
COUNT_CHANGES = """
export const config = {
  name: 'CountChanges',
  triggers: [{ type: 'state', condition: (input) => input.group_id === 'shapes' }],
}

export const handler = async (input, ctx) => {
  await ctx.state.update('changes', input.item_id, [{ type: 'increment', path: 'n', by: 1 }])
}
"""

TS_V1 = """
import { stateManager, Stream } from 'motia'

const notes = new Stream({ name: 'notes', schema: {}, baseConfig: { storageType: 'default' } })

export const config = {
  name: 'TsShapes', triggers: [{ type: 'http', method: 'POST', path: '/ts' }],
}

export const handler = async (_input: unknown, ctx: any) => {
  const key = 'ts'
  const first = await stateManager.set('shapes', key, { n: 1 })
  const second = await stateManager.set('shapes', key, { n: 2 })
  const plusOne = [{ type: 'increment', path: 'n', by: 1 }]
  const updated = await stateManager.update('shapes', key, plusOne)
  const ctxSet = await ctx.state.set('shapes', key, { n: 10 })
  const deleted = await stateManager.delete('shapes', key)
  const s1 = await notes.set('g', key, { text: 'a' })
  const s2 = await ctx.streams.notes.set('g', key, { text: 'b' })
  const su = await notes.update('g', key, [{ type: 'set', path: 'text', value: 'c' }])
  const sd = await notes.delete('g', key)
  return {
    status: 200,
    body: {
      first, second, updated, ctxSet, deleted, s1, s2, su,
      streamDelete: sd === undefined ? 'undefined' : sd,
    },
  }
}
"""

# A 0.17 handler: its ctx keeps 0.17's answers; the module answers as 1.0's.
TS_017 = """
import { stateManager } from 'motia'

export const config = { type: 'api', name: 'OldShapes', method: 'POST', path: '/old', emits: [] }

export const handler = async (_req: unknown, ctx: any) => {
  const key = 'old'
  const ctxSet = await ctx.state.set('shapes', key, { n: 1 })
  const moduleSet = await stateManager.set('shapes', key, { n: 2 })
  const ctxDelete = await ctx.state.delete('shapes', key)
  const itemSet = await ctx.streams.notes.set('g', key, { text: 'a' })
  const itemDelete = await ctx.streams.notes.delete('g', key)
  return { status: 200, body: { ctxSet, moduleSet, ctxDelete, itemSet, itemDelete } }
}
"""

PY_V1 = """
from motia import Stream, state_manager

notes = Stream("notes")

config = {"name": "PyShapes", "triggers": [{"type": "http", "method": "POST", "path": "/py"}]}


async def handler(args, ctx):
    key = "py"
    first = await state_manager.set("shapes", key, {"n": 1})
    second = await state_manager.set("shapes", key, {"n": 2})
    plus_one = [{"type": "increment", "path": "n", "by": 1}]
    updated = await state_manager.update("shapes", key, plus_one)
    ctx_set = await ctx.state.set("shapes", key, {"n": 10})
    deleted = await state_manager.delete("shapes", key)
    s1 = await notes.set("g", key, {"text": "a"})
    s2 = await notes.set("g", key, {"text": "b"})
    su = await notes.update("g", key, [{"type": "set", "path": "text", "value": "c"}])
    sd = await notes.delete("g", key)
    body = {
        "first": first, "second": second, "updated": updated, "ctxSet": ctx_set,
        "deleted": deleted, "s1": s1, "s2": s2, "su": su,
        "streamDelete": "undefined" if sd is None else sd,
    }
    return {"status": 200, "body": body}
"""

RB_V1 = """
def config
  { name: 'RbShapes', triggers: [{ type: 'http', method: 'POST', path: '/rb' }] }
end

def handler(_input, ctx)
  key = 'rb'
  notes = Motia.streams['notes']
  body = {
    first: Motia.state.set('shapes', key, { n: 1 }),
    second: Motia.state.set('shapes', key, { n: 2 }),
    updated: Motia.state.update('shapes', key, [{ type: 'increment', path: 'n', by: 1 }]),
    ctxSet: ctx.state.set('shapes', key, { n: 10 }),
    deleted: Motia.state.delete('shapes', key),
    s1: notes.set('g', key, { text: 'a' }),
    s2: notes.set('g', key, { text: 'b' }),
    su: notes.update('g', key, [{ type: 'set', path: 'text', value: 'c' }])
  }
  sd = notes.delete('g', key)
  { status: 200, body: body.merge(streamDelete: sd.nil? ? 'undefined' : sd) }
end
"""

FILES = {
    "steps/notes.stream.js": NOTES_STREAM,
    "steps/count_changes.step.js": COUNT_CHANGES,
    "steps/ts_shapes.step.ts": TS_V1,
    "steps/old_shapes.step.ts": TS_017,
    "steps/py_shapes.step.py": PY_V1,
    "steps/rb_shapes.step.rb": RB_V1,
}


def v1_answers(key: str) -> dict[str, Any]:
    """What the 1.0 handler writing `key` sees from each call."""
    item = {"id": key}
    return {
        "first": {"new_value": {"n": 1}, "old_value": None},
        "second": {"new_value": {"n": 2}, "old_value": {"n": 1}},
        "updated": {"new_value": {"n": 3}, "old_value": {"n": 2}},
        # ctx.state.set in a 1.0 handler: the older release candidates' stateManager.
        "ctxSet": {"new_value": {"n": 10}, "old_value": {"n": 3}},
        "deleted": {"n": 10},
        "s1": {"new_value": {"text": "a", **item}, "old_value": None},
        "s2": {"new_value": {"text": "b", **item}, "old_value": {"text": "a", **item}},
        "su": {"new_value": {"text": "c", **item}, "old_value": {"text": "b", **item}},
        "streamDelete": "undefined",
    }


async def _changes(services: Any, key: str) -> int:
    counted = await services.env.state.get("changes", key)
    return int(counted["n"]) if counted else 0


async def test_the_module_and_a_1_0_context_answer_in_1_0_shapes(
    make_project: Callable[..., Path],
) -> None:
    """A TypeScript, a Python and a Ruby 1.0 step: each call's answer, and one state
    trigger delivery per write (five writes each)."""
    project = make_project(FILES)
    async with serving(project) as (services, client):
        for key in ("ts", "py", "rb"):
            answered = await client.post(f"/{key}", json={})
            assert answered.status_code == 200, answered.text
            assert answered.json() == v1_answers(key), key

            async def counted(key: str = key) -> int | None:
                n = await _changes(services, key)
                return n if n >= 5 else None

            assert await wait_for(counted) == 5, key
        await trio.sleep(0.2)  # a second delivery of any change would show by now
        assert [await _changes(services, key) for key in ("ts", "py", "rb")] == [5, 5, 5]


async def test_a_0_17_context_keeps_0_17_answers(make_project: Callable[..., Path]) -> None:
    """With no state trigger watching, 1.0's set still reads the old value."""
    project = make_project({k: v for k, v in FILES.items() if "count_changes" not in k})
    async with serving(project) as (_, client):
        answered = await client.post("/old", json={})
        assert answered.status_code == 200, answered.text
        assert answered.json() == {
            "ctxSet": {"n": 1},
            "moduleSet": {"new_value": {"n": 2}, "old_value": {"n": 1}},
            "ctxDelete": {"n": 2},
            "itemSet": {"text": "a", "id": "old"},
            "itemDelete": {"text": "a", "id": "old"},
        }

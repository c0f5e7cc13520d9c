"""Motia 1.0 state and stream triggers as Motia 1.0's docs write them
(frameworks/motia/docs/content/docs/advanced-features/reactive-triggers.mdx: the
parallel-merge example, `OnDeploymentUpdate`), in TS and JS. Each project is served on
its own: a state trigger without a condition sees every state change of its project."""

from __future__ import annotations

# The docs' parallel merge: a request starts three tasks; each queue step increments
# `completedSteps` atomically; the state trigger's condition lets one change through.
START = """
export const config = {
  name: 'StartTasks',
  flows: ['parallel-merge'],
  triggers: [{ type: 'http', method: 'POST', path: '/tasks/:id' }],
  enqueues: ['task.run'],
}

export const handler = async ({ request }: any, ctx: any) => {
  const id = request.pathParams.id
  await ctx.state.set('tasks', id, { totalSteps: 3, completedSteps: 0, results: {} })
  for (const part of ['a', 'b', 'c']) await ctx.enqueue({ topic: 'task.run', data: { id, part } })
  return { status: 202, body: { traceId: ctx.traceId } }
}
"""

TASK = """
export const config = {
  name: 'TaskPART',
  flows: ['parallel-merge'],
  triggers: [{ type: 'queue', topic: 'task.run' }],
}

export const handler = async (data, ctx) => {
  if (data.part !== 'PART') return
  await ctx.state.update('tasks', data.id, [
    { type: 'increment', path: 'completedSteps', by: 1 },
    { type: 'merge', path: 'results', value: { PART: true } },
  ])
}
"""

ON_ALL_DONE = """
import type { StepConfig, StateTriggerInput } from 'motia'

type TaskProgress = { totalSteps: number; completedSteps: number; results: Record<string, any> }

export const config = {
  name: 'OnAllStepsComplete',
  description: 'Triggers when all parallel steps finish',
  triggers: [
    {
      type: 'state',
      condition: (input: StateTriggerInput<TaskProgress>) => {
        return (
          input.group_id === 'tasks' &&
          !!input.new_value &&
          input.new_value.totalSteps === input.new_value.completedSteps
        )
      },
    },
  ],
  enqueues: ['all-tasks-done'],
  flows: ['parallel-merge'],
} as const satisfies StepConfig

export const handler = async (input: any, ctx: any) => {
  await ctx.state.update('merged', input.item_id, [
    { type: 'set', path: 'input', value: input },
    { type: 'set', path: 'trigger', value: ctx.trigger },
    { type: 'set', path: 'isState', value: ctx.is.state(input) },
    { type: 'set', path: 'traceId', value: ctx.traceId },
    { type: 'increment', path: 'runs', by: 1 },
  ])
}
"""

MERGE_PROJECT = {
    "steps/start.step.ts": START,
    **{f"steps/task_{p}.step.js": TASK.replace("PART", p) for p in "abc"},
    "steps/on_all_done.step.ts": ON_ALL_DONE,
}

DEPLOYMENT_STREAM = """
export const config = {
  name: 'deployment',
  schema: { type: 'object', properties: { status: { type: 'string' } } },
  baseConfig: { storageType: 'default' },
}
"""

# The docs' stream trigger: group `data` only, updates only (its condition).
ON_DEPLOYMENT_UPDATE = """
export const config = {
  name: 'OnDeploymentUpdate',
  triggers: [
    {
      type: 'stream',
      streamName: 'deployment',
      groupId: 'data',
      condition: (input: any) => input.event.type === 'update',
    },
  ],
  flows: ['deployments'],
}

export const handler = async (input: any, ctx: any) => {
  await ctx.state.set('updates', `${input.groupId}/${input.id}`, { input, trigger: ctx.trigger })
}
"""

# Every change of one item, in any group: an itemId filter and no condition.
WATCH_ITEM = """
export const config = {
  name: 'WatchItem',
  triggers: [{ type: 'stream', streamName: 'deployment', itemId: 'd1' }],
}

export const handler = async (input, ctx) => {
  await ctx.state.set('item-events', `${input.groupId}-${input.event.type}-${input.timestamp}`,
                      input.event)
}
"""

# Every change and custom event of the stream.
WATCH_ALL = """
export const config = {
  name: 'WatchAll',
  triggers: [{ type: 'stream', streamName: 'deployment' }],
}

export const handler = async (input, ctx) => {
  await ctx.state.update('all-events', input.event.type, [{ type: 'increment', path: 'n', by: 1 },
                         { type: 'set', path: 'last', value: input }])
}
"""

# Writes the stream as a request asks: set, update, delete or send.
DEPLOY = """
export const config = {
  name: 'Deploy',
  triggers: [{ type: 'http', method: 'POST', path: '/deploy' }],
}

export const handler = async ({ request }, ctx) => {
  const { op, group, id, status } = request.body
  const stream = ctx.streams.deployment
  if (op === 'set') await stream.set(group, id, { status })
  const ops = [{ type: 'set', path: 'status', value: status }]
  if (op === 'update') await stream.update(group, id, ops)
  if (op === 'delete') await stream.delete(group, id)
  if (op === 'send') await stream.send({ groupId: group }, { type: 'ping', data: { status } })
  return { status: 200, body: { traceId: ctx.traceId } }
}
"""

STREAM_PROJECT = {
    "steps/deployment.stream.js": DEPLOYMENT_STREAM,
    "steps/on_deployment_update.step.ts": ON_DEPLOYMENT_UPDATE,
    "steps/watch_item.step.js": WATCH_ITEM,
    "steps/watch_all.step.js": WATCH_ALL,
    "steps/deploy.step.js": DEPLOY,
}

# A state trigger that fails every time: retried by its queue options, then dead-lettered.
FAILING = """
export const config = {
  name: 'FailingWatcher',
  triggers: [{ type: 'state', condition: (input) => input.group_id === 'jobs' }],
  infrastructure: { queue: { maxRetries: 1, backoffMs: 10 } },
}

export const handler = async (input, ctx) => {
  await ctx.state.update('attempts', input.item_id, [{ type: 'increment', path: 'n', by: 1 }])
  throw new Error(`cannot handle ${input.item_id}`)
}
"""

# Writes state on every state change, itself included: stopped by max_trace_deliveries.
LOOP = """
export const config = { name: 'Looper', triggers: [{ type: 'state' }] }

export const handler = async (input, ctx) => {
  await ctx.state.set('loop', 'n', (input.new_value ?? 0) + 1)
}
"""

# A Motia 0.17 Python step writes state; a 1.0 TS step watches its group.
PY_WRITER = """
config = {"type": "api", "name": "PyWriter", "method": "POST", "path": "/py", "emits": []}


async def handler(req, context):
    await context.state.set("py", "k", req["body"])
    await context.state.update("py", "k", [{"type": "increment", "path": "n", "by": 1}])
    return {"status": 200, "body": {}}
"""

PY_WATCHER = """
export const config = {
  name: 'PyWatcher',
  triggers: [{ type: 'state', condition: (input: any) => input.group_id === 'py' }],
}

export const handler = async (input: any, ctx: any) => {
  await ctx.state.set('py-seen', String(input.new_value.n), input)
}
"""

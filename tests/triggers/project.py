"""A project of Motia 1.0 step files (TS and JS) beside 0.17 ones, written as Motia 1.0's
docs and playground write them (frameworks/motia/docs/content/docs/concepts/steps.mdx,
advanced-features/step-helper.mdx, motia-js/playground/steps/basic-tutorial/
process-food-order.step.ts). The `motia` module is another helper's: here the trigger
helpers are local copies of motia-js/packages/motia/src/triggers.ts and step.ts (their
output is plain data plus functions), and `motia` is imported for types only."""

from __future__ import annotations

# http trigger: {request}, path and query params, a zod bodySchema, ctx.enqueue; the
# request's fields at the top level too (the older RC form: `input.body`).
CREATE_ORDER = """
import type { StepConfig } from 'motia'
import { z } from 'zod'

const orderSchema = z.object({ item: z.string(), qty: z.number() })

export const config = {
  name: 'CreateOrder',
  description: 'Creates an order',
  flows: ['orders'],
  triggers: [
    {
      type: 'http', method: 'POST', path: '/orders/:shop', bodySchema: orderSchema,
      responseSchema: { 201: z.object({ id: z.string() }) },
      queryParams: [{ name: 'note', description: 'a note' }],
    },
  ],
  enqueues: ['order.created'],
} satisfies StepConfig

export const handler = async (input: any, ctx: any) => {
  const { request } = input
  const id = `${request.pathParams.shop}-${request.body.item}`
  await ctx.enqueue({ topic: 'order.created', data: { id, qty: request.body.qty } })
  return {
    status: 201,
    body: { id, note: request.queryParams.note, method: request.method, trigger: ctx.trigger,
            rcBody: input.body, hasResponse: typeof input.response.status === 'function' },
  }
}
"""

# queue trigger with an `input` schema, enqueueing on to a 0.17 step.
RECORD_ORDER = """
export const config = {
  name: 'RecordOrder',
  flows: ['orders'],
  triggers: [{
    type: 'queue', topic: 'order.created',
    input: {
      type: 'object',
      properties: { id: { type: 'string' }, qty: { type: 'number' } },
      required: ['id', 'qty'],
    },
    config: { maxRetries: 0, backoffType: 'fixed', backoffDelayMs: 10 },
  }],
  enqueues: ['order.recorded'],
}

export const handler = async (data, ctx) => {
  const record = { data, trigger: ctx.trigger, isQueue: ctx.is.queue(data), got: ctx.getData() }
  await ctx.state.set('orders', data.id, record)
  await ctx.enqueue({ topic: 'order.recorded', data: { id: data.id } })
}
"""

# Motia 0.17 steps: one at the end of the 1.0 chain, one that starts a 1.0 step.
AUDIT_017 = """
export const config = {
  type: 'event', name: 'AuditOrder', subscribes: ['order.recorded'], emits: [], flows: ['orders'],
}
export const handler = async (input, { state }) => { await state.set('audit', input.id, true) }
"""

EMIT_017 = """
export const config = { type: 'api', name: 'Emit', method: 'POST', path: '/emit', emits: [] }
export const handler = async (req, { emit }) => {
  await emit({ topic: req.body.topic, data: req.body.data })
  return { status: 202, body: {} }
}
"""

# The helpers, as motia-js/packages/motia/src/triggers.ts and step.ts define them.
HELPERS = """
export const http = (method: string, path: string, options?: any, condition?: any) =>
  ({ type: 'http', method, path, ...options, condition })
export const queue = (topic: string, options?: any, condition?: any) =>
  ({ type: 'queue', topic, ...options, condition })
export const cron = (expression: string, condition?: any) =>
  ({ type: 'cron', expression, condition })
export const step = (config: any, handler: any) => ({ config, handler })
"""

# One step, three triggers: ctx.trigger, ctx.is, ctx.getData, ctx.match.
MULTI = """
import { cron, http, queue, step } from './helpers'

export const { config, handler } = step(
  {
    name: 'Multi',
    triggers: [http('POST', '/multi'), queue('multi.run'), cron('0 0 1 1 *')],
  },
  async (input: any, ctx: any) => {
    const seen = {
      type: ctx.trigger.type,
      index: ctx.trigger.index,
      is: { http: ctx.is.http(input), queue: ctx.is.queue(input), cron: ctx.is.cron(input) },
      data: ctx.getData() ?? null,
      inputIsUndefined: input === undefined,
    }
    await ctx.state.set('multi', ctx.trigger.type, seen)
    return ctx.match({
      http: async ({ request }: any) => ({ status: 200, body: { seen, body: request.body } }),
      queue: async () => {},
      cron: async () => {},
    })
  },
)
"""

# Conditions: http (gets the plain request, no method) and queue (gets the data).
CONDITIONAL = """
import { http, queue, step } from './helpers'

const vipOnly = (req: any, ctx: any) =>
  req.body?.vip === true && req.method === undefined && ctx.trigger.type === 'http' &&
  ctx.getData() === req.body

export default step(
  {
    name: 'Conditional',
    triggers: [
      http('POST', '/vip', {}, vipOnly),
      queue('maybe', {}, (data: any, ctx: any) => data.go === true && ctx.is.queue(data)),
    ],
  },
  async (input: any, ctx: any) => {
    await ctx.state.set('cond', `${ctx.trigger.type}-${ctx.getData().n}`, true)
    if (ctx.is.http(input)) return { status: 200, body: { ran: true } }
  },
)
"""

# Middleware on one http trigger of two.
GUARDED = """
const auth = async (args: any, ctx: any, next: any) => {
  if (!args.request.headers['x-user']) return { status: 401, body: { error: 'who are you?' } }
  args.request.user = args.request.headers['x-user']
  const res = await next()
  return { ...res, headers: { 'x-middleware': ctx.trigger.type } }
}

export const config = {
  name: 'Guarded',
  triggers: [
    { type: 'http', method: 'GET', path: '/guarded', middleware: [auth] },
    { type: 'http', method: 'GET', path: '/open' },
  ],
}

export const handler = async ({ request }: any) =>
  ({ status: 200, body: { user: request.user ?? null } })
"""

# `response.status()`/`headers()` and an empty return; or a write to `response.stream`,
# left open (tests/triggers/test_v1_sse.py has the rest of streaming).
RESPONDER = """
export const config = {
  name: 'Responder',
  triggers: [
    { type: 'http', method: 'PUT', path: '/accept' },
    { type: 'http', method: 'GET', path: '/sse' },
  ],
}

export const handler = async ({ request, response }, ctx) => {
  if (ctx.trigger.index === 1) {
    response.stream.write('data: hi\\n\\n')
    return
  }
  response.status(202)
  response.headers({ 'x-accepted': request.headers['x-id'] ?? 'none' })
}
"""

PROJECT = {
    "steps/orders/create.step.ts": CREATE_ORDER,
    "steps/orders/record.step.js": RECORD_ORDER,
    "steps/orders/audit.step.js": AUDIT_017,
    "steps/emit.step.js": EMIT_017,
    "steps/helpers.ts": HELPERS,
    "steps/multi.step.ts": MULTI,
    "steps/conditional.step.ts": CONDITIONAL,
    "steps/guarded.step.ts": GUARDED,
    "steps/responder.step.js": RESPONDER,
}

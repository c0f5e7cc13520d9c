// Must type-check against the generated types.d.ts: every use here is allowed.
import type { ApiMiddleware, ApiRequest, ApiRouteConfig, EventConfig, Handlers, StepConfig } from 'motia'
import type { FlowContext, Logger } from '@motia/core'

export const createOrder: Handlers['CreateOrder'] = async (req, ctx) => {
  const productId: string = req.body.productId
  const quantity: number = req.body.quantity
  const note: string | undefined = req.body.note
  const city: string = req.body.address.city
  const delivery: 'standard' | 'express' = req.body.delivery
  const store: string = req.pathParams.storeId
  const query = req.queryParams.page
  const trace: string = ctx.traceId
  const previous = await ctx.state.get<{ id: string }>('orders', productId)
  // 0.17's answers: `set` the value, a stream's `set` the stored item with its id.
  const kept: { id: string } = await ctx.state.set('orders', productId, { id: trace })
  const noted: string = (await ctx.streams.messages.set(store, kept.id, { text: 'n' })).id
  await ctx.streams.messages.send({ groupId: store }, { type: 'note', data: { previous, query } })
  // Motia 1.0's atomic updates and listings (MIGRATION_GUIDE.md §7, §8).
  const bumped = await ctx.state.update<{ count: number }>('counters', store, [
    { type: 'increment', path: 'count', by: 1 },
    { type: 'merge', value: { seen: true } },
  ])
  const count: number = bumped.new_value.count + (bumped.old_value?.count ?? 0)
  const groups: string[] = await ctx.state.listGroups()
  const all = await ctx.state.list<{ id: string }>(groups[0] ?? 'orders')
  const message = await ctx.streams.messages.update(store, 'm', [{ type: 'set', path: 'text', value: count }])
  const text: string = message.new_value.text + (await ctx.streams.messages.list(store)).length + all.length
  await ctx.emit({
    topic: 'order.created',
    data: { id: trace, productId, quantity, address: { line1: text, city }, priority: 'low' },
    idempotencyKey: `${store}:${productId}`,
  })
  await ctx.emit({ topic: 'order.flagged', data: { id: trace, reason: note ?? delivery } })
  if (quantity > 100) return { status: 400, body: { error: 'too many' } }
  return { status: 201, body: { id: trace } }
}

export const processOrder: Handlers['ProcessOrder'] = async (input, { emit, logger }) => {
  const id: string = input.id
  const priority: 'low' | 'high' | null | undefined = input.priority
  logger.info('processing', { id, priority })
  await emit({ topic: 'order.processed', data: { anything: 'goes', id } })
}

export const flagOrder: Handlers['FlagOrder'] = async ({ id, reason }, { emit }) => {
  const reply = { id: `${id}-1`, from: reason, 'reviewed-by': 'bot' }
  await emit({ topic: 'order.reviewed', data: { id, from: 'flagger', replies: [reply] } })
}

export const auditOrder: Handlers['AuditOrder'] = (input) => input.address.city.length

export const config: EventConfig = {
  type: 'event',
  name: 'Anything',
  subscribes: ['order.created'],
  emits: ['x', { topic: 'y', label: 'why', conditional: true }],
  input: { id: 'string' },
  infrastructure: { handler: { timeout: 5 }, queue: { maxRetries: 1 } },
}
export const configs: StepConfig[] = [config, { type: 'noop', name: 'N', virtualEmits: ['a'] }]

type Body = SteppeTypes.CreateOrderBody
export const useTypes = (body: Body, req: ApiRequest<Body>, ctx: FlowContext, log: Logger) =>
  [body.tags?.length, req.body.giftFor, ctx.flows, log.warn('w')]

// Middleware as Motia's playground writes it (startParallelMerge.step.ts).
const timing: ApiMiddleware = async (_req, ctx, next) => {
  const response = await next()
  ctx.logger.info('done', { status: response.status })
  return response
}
export const withMiddleware: ApiRouteConfig = {
  type: 'api', name: 'Timed', method: 'GET', path: '/timed', middleware: [timing],
  cors: { origins: ['https://app.example'], credentials: true, maxAge: 60 },
}

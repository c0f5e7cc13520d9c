// Must NOT type-check: each line marked `// error` has one mistake the generated types
// have to catch in a Motia 1.0 step. The test compares tsc's error lines with these marks.
import { cron, enqueue, type EventConfig, type Handlers, http, jsonSchema, type StepConfig } from 'motia'
import { z } from 'zod'
import * as audit from '../steps/audit.step'
import * as createOrder from '../steps/create-order.step'
import * as notify from '../steps/notify.step'
import * as onOrderState from '../steps/on-order-state.step'
import * as processOrder from '../steps/process-order.step'

export const wrongTriggerType = {
  name: 'WrongTrigger',
  triggers: [{ type: 'queu', topic: 'order.created' }], // error
} as const satisfies StepConfig

export const cronWithoutExpression = {
  name: 'NoExpression',
  triggers: [{ type: 'cron', cron: '* * * * *' }], // error
} as const satisfies StepConfig

export const lowercaseMethod = {
  name: 'Lowercase',
  triggers: [http('post', '/x')], // error
} as const satisfies StepConfig

export const missingBodyField: Handlers<typeof createOrder.config> = async ({ request }) => {
  return { status: 201, body: { orderId: request.body.coupon } } // error
}

export const wrongBodyType: Handlers<typeof createOrder.config> = async (input) => {
  const quantity: string = input.request.body.quantity // error
  return { status: 201, body: { orderId: quantity } }
}

export const wrongQueueInputType: Handlers<typeof processOrder.config> = async (input) => {
  const quantity: string = input.quantity // error
  await enqueue({ topic: 'x', data: quantity })
}

export const wrongTypedJsonSchemaField: Handlers<typeof notify.config> = async (input) => {
  const total: string = input.total // error
  await enqueue({ topic: 'x', data: total })
}

export const optionalJsonSchemaField: Handlers<typeof audit.config> = async (input) => {
  const length: number = input.orderId.length // error
  await enqueue({ topic: 'x', data: length })
}

export const stateValueIsUnknown: Handlers<typeof onOrderState.config> = async (input) => {
  await enqueue({ topic: 'x', data: input.new_value.status }) // error
}

export const enqueueOfKnownTopicChecksData: Handlers<typeof processOrder.config> = async () => {
  await enqueue({ topic: 'order.created', data: { orderId: 7 } }) // error
}

// (A config `as const` keeps its topics; `satisfies` alone widens them to string.)
export const undeclaredTopicOnCtx: Handlers<typeof createOrder.config> = async (_input, ctx) => {
  await ctx.enqueue({ topic: 'order.stored', data: {} }) // error
  return { status: 201, body: {} }
}

const cronConfig = { name: 'Tick', triggers: [cron('* * * * *')] } as const satisfies StepConfig
export const cronHasNoInput: Handlers<typeof cronConfig> = async (input) => {
  await enqueue({ topic: 'x', data: input.at }) // error
}

export const matchGetsTheTriggersInput: Handlers<typeof createOrder.config> = async (_input, ctx) =>
  ctx.match({
    http: async ({ request }) => ({ status: 200, body: request.body.coupon }), // error
  })

const legacy: EventConfig = { type: 'event', name: 'L', subscribes: ['t'] }
export const handlersOfA017Config: Handlers<typeof legacy> = async () => {} // error

export const zodInJsonSchemaHelper = jsonSchema(z.object({ n: z.number() }))
export const helperKeepsTheSchema: Handlers<{
  name: 'H'
  triggers: [ReturnType<typeof http<{ bodySchema: typeof zodInJsonSchemaHelper }>>]
}> = async ({ request }) => ({ status: 200, body: request.body.n.toUpperCase() }) // error

// A 1.0 handler's ctx.state.set answers {new_value, old_value}, not the value; its raw body
// is bytes, not text.
export const v1StateShape: Handlers<typeof createOrder.config> = async ({ request }, ctx) => {
  const value: { n: number } = await ctx.state.set('g', 'k', { n: 1 }) // error
  const text: string = await request.requestBody.readAll() // error
  return { status: 200, body: { orderId: `${value.n}${text}` } }
}

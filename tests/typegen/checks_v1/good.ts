// Must type-check: the fixture's handlers get exactly these types (not `any`).
import type {
  FlowContext,
  FlowContextStateStreams,
  Handlers,
  HttpTriggerInput,
  MotiaStream,
  StateTriggerInput,
  StepConfig,
  StreamItem,
  StreamSetResult,
  StreamTriggerInput,
  V1Stream,
} from 'motia'
import { http } from 'motia'
import * as audit from '../steps/audit.step'
import * as createOrder from '../steps/create-order.step'
import * as dailyReport from '../steps/daily-report.step'
import * as notify from '../steps/notify.step'
import * as onOrderState from '../steps/on-order-state.step'
import * as onTodoChange from '../steps/on-todo-change.step'
import * as orderSync from '../steps/order-sync.step'
import * as processOrder from '../steps/process-order.step'
import { todoStream } from '../steps/todo.stream'
import { stateManager } from 'motia'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const same = <A, B>(..._: Equal<A, B> extends true ? [] : [never]) => {}
type Input<H> = H extends (input: infer I, ...rest: never[]) => unknown ? I : never

same<Input<typeof createOrder.handler>, HttpTriggerInput<{ item: string; quantity: number; note?: string | undefined }>>()
same<Input<typeof processOrder.handler>, { orderId: string; item: string; quantity: number }>()
same<Input<typeof notify.handler>, { orderId: string; total: number }>()
same<Input<typeof audit.handler>, { action: 'stored' | 'reported'; orderId?: string; count?: number }>()
same<Input<typeof dailyReport.handler>, undefined>()
same<Input<typeof onOrderState.handler>, StateTriggerInput<unknown>>()
same<Input<typeof onTodoChange.handler>, StreamTriggerInput<unknown>>()
same<
  Input<typeof orderSync.handler>,
  | { orderId: string; force?: boolean | undefined }
  | HttpTriggerInput<{ orderId: string; force?: boolean | undefined }>
  | undefined
>()
same<Awaited<ReturnType<typeof todoStream.get>>, { id: string; description: string; done: boolean } | null>()

// The configs are StepConfigs, 0.17's beside them.
export const configs: StepConfig[] = [
  createOrder.config,
  processOrder.config,
  orderSync.config,
  { type: 'noop', name: 'N', virtualEmits: ['a'] },
]

// A 0.17 handler's context has 1.0's members too.
export const legacyCtx = (ctx: FlowContext) => [ctx.trigger.type, ctx.getData(), ctx.enqueue]

// 1.0's stateManager answers {new_value, old_value} for set and update (src/new/state.ts).
export const stateShapes = async () => {
  const written = await stateManager.set('g', 'k', { n: 1 })
  same<typeof written, { old_value?: { n: number } | null; new_value: { n: number } } | null>()
  const removed = await stateManager.delete<{ n: number }>('g', 'k')
  same<typeof removed, { n: number } | null>()
}

// A 1.0 handler's ctx answers in 1.0's shapes (docs/reference.md §3), and its request has
// the raw body (types.ts MotiaHttpRequest.requestBody, read as the playground's sse.step.ts).
type Todo = { text: string }
const pinned = { name: 'Pinned', triggers: [http('POST', '/pinned')], enqueues: [] } as const satisfies StepConfig
export const v1Ctx: Handlers<typeof pinned> = async ({ request }, ctx) => {
  const written = await ctx.state.set('g', 'k', { n: 1 })
  same<typeof written, { old_value?: { n: number } | null; new_value: { n: number } } | null>()
  // The project's streams as 1.0 streams (this file is also checked without the fixture's).
  same<typeof ctx.streams, { [N in keyof SteppeTypes.Streams]: V1Stream<SteppeTypes.Streams[N]> }>()
  same<Awaited<ReturnType<V1Stream<Todo>['set']>>, StreamSetResult<StreamItem<Todo>>>()
  same<Awaited<ReturnType<V1Stream<Todo>['delete']>>, void>()
  for await (const chunk of request.requestBody.stream) same<typeof chunk, Uint8Array>()
  same<Awaited<ReturnType<typeof request.requestBody.readAll>>, Uint8Array>()
}

// A 0.17 handler's ctx keeps 0.17's answers, beside 1.0 steps.
export const legacyAnswers: Handlers['Legacy'] = async (_input, ctx) => {
  const written = await ctx.state.set('g', 'k', { n: 1 })
  same<typeof written, { n: number }>()
  same<typeof ctx.streams, FlowContextStateStreams>()
  same<Awaited<ReturnType<MotiaStream<Todo>['set']>>, StreamItem<Todo>>()
}

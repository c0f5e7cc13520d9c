// Must type-check: the fixture's handlers get exactly these types (not `any`).
import type { FlowContext, HttpTriggerInput, StateTriggerInput, StepConfig, StreamTriggerInput } from 'motia'
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

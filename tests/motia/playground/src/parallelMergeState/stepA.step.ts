import type { EventConfig, Handlers } from 'motia'
import { z } from 'zod'
import type { ParallelMergeStep } from './parallelMerge.types'

export const config: EventConfig = {
  type: 'event',
  name: 'stepA',
  description: 'Hello from Step A',
  subscribes: ['pms.start'],
  emits: ['pms.stepA.done'],
  input: z.object({}),
  flows: ['parallel-merge'],
}

export const handler: Handlers['stepA'] = async (_, { emit, traceId, state, logger }) => {
  logger.info('[stepA] received pms.start')
  // The slowest of the three, so join-step sees B and C first.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const result: ParallelMergeStep = { msg: 'Hello from Step A', timestamp: Date.now() }
  await state.set<ParallelMergeStep>(traceId, 'stepA', result)
  await emit({ topic: 'pms.stepA.done', data: result })
}

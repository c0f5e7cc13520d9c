import type { EventConfig, Handlers } from 'motia'
import { z } from 'zod'
import type { ParallelMergeStep } from './parallelMerge.types'

export const config: EventConfig = {
  type: 'event',
  name: 'join-step',
  description: 'Merges the results of the parallel steps',
  subscribes: ['pms.stepA.done', 'pms.stepB.done', 'pms.stepC.done'],
  emits: ['pms.join.complete'],
  input: z.object({ msg: z.string(), timestamp: z.number() }),
  flows: ['parallel-merge'],
}

export const handler: Handlers['join-step'] = async (input, { emit, traceId, state, logger }) => {
  logger.info('[join-step] received', { input })
  const stepA = await state.get<ParallelMergeStep>(traceId, 'stepA')
  const stepB = await state.get<ParallelMergeStep>(traceId, 'stepB')
  const stepC = await state.get<ParallelMergeStep>(traceId, 'stepC')
  if (!stepA || !stepB || !stepC) {
    logger.info('[join-step] not all steps are done yet')
    return
  }
  await emit({ topic: 'pms.join.complete', data: { stepA, stepB, stepC, mergedAt: new Date().toISOString() } })
  await state.clear(traceId)
}

// Conformance: printing to stdout from a handler (TypeScript). The runner must
// turn the printed line into a log entry and keep the protocol channel clean.
import { z } from 'zod'
import type { EventConfig, Handlers } from 'motia'

export const config: EventConfig = {
  type: 'event',
  name: 'ConfPrintTs',
  description: 'Conformance: stdout capture in TypeScript',
  subscribes: ['conf.print.ts'],
  emits: [],
  input: z.object({}),
  flows: ['conformance'],
}

export const handler: Handlers['ConfPrintTs'] = async (_input, { logger }) => {
  console.log('printed by ts')
  logger.info('after print')
  return { printed: true }
}

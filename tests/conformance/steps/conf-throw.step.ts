// Conformance: a handler that throws (TypeScript). The error message is compared
// across languages, so it must stay exactly 'boom from ts'.
import { z } from 'zod'
import type { EventConfig, Handlers } from 'motia'

export const config: EventConfig = {
  type: 'event',
  name: 'ConfThrowTs',
  description: 'Conformance: handler error in TypeScript',
  subscribes: ['conf.throw.ts'],
  emits: [],
  input: z.object({}),
  flows: ['conformance'],
}

export const handler: Handlers['ConfThrowTs'] = async () => {
  throw new Error('boom from ts')
}

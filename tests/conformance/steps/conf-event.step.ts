// Conformance: event step using every state call, then one emit (TypeScript).
import { z } from 'zod'
import type { EventConfig, Handlers } from 'motia'

export const config: EventConfig = {
  type: 'event',
  name: 'ConfEventTs',
  description: 'Conformance: state calls and emit in TypeScript',
  subscribes: ['conf.event.ts'],
  emits: ['conf.done.ts'],
  input: z.object({ value: z.number() }),
  flows: ['conformance'],
}

export const handler: Handlers['ConfEventTs'] = async (input, { state, emit }) => {
  await state.set('conf-ts', 'last', { value: input.value, lang: 'ts' })
  const got: any = await state.get('conf-ts', 'last')
  const missing = await state.get('conf-ts', 'nope')
  await state.set('conf-ts', 'tmp', 1)
  const old = await state.delete('conf-ts', 'tmp')
  const group = await state.getGroup('conf-ts')
  await emit({
    topic: 'conf.done.ts',
    data: {
      value: input.value + 1,
      lang: 'ts',
      got: got.value,
      missingIsNull: missing === null,
      deleted: old,
      groupSize: group.length,
    },
  })
}

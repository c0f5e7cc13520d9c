// Conformance: cron step (TypeScript). A cron handler receives only the context.
import type { CronConfig, Handlers } from 'motia'

export const config: CronConfig = {
  type: 'cron',
  name: 'ConfCronTs',
  description: 'Conformance: cron step in TypeScript',
  cron: '* * * * *',
  emits: [],
  flows: ['conformance'],
}

export const handler: Handlers['ConfCronTs'] = async ({ state, traceId }) => {
  await state.set('conf-cron', 'ts', { ran: true, traceId })
}

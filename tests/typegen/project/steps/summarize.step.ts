// A cron step that emits nothing, and a subscriber of a topic nobody emits to.
import type { CronConfig, Handlers } from '@motia/core'

export const config: CronConfig = {
  type: 'cron',
  name: 'Summarize',
  cron: '0 * * * *',
  emits: [],
  flows: ['orders'],
}

export const handler: Handlers['Summarize'] = async ({ state, logger }) => {
  const orders = await state.getGroup<{ id: string }>('orders')
  logger.info('summary', { count: orders.length, first: orders[0]?.id })
}

// Stands in for Motia's tester `server.watch(topic)`: every delivery of a watched topic
// is kept in state, group `captured:<topic>`, one item per delivery.
import type { EventConfig, Handlers } from 'motia'

export const config: EventConfig = {
  type: 'event',
  name: 'Join Recorder',
  subscribes: ['pms.join.complete'],
  emits: [],
}

export const handler: Handlers['Join Recorder'] = async (data, { state, traceId }) => {
  await state.set('captured:pms.join.complete', `${Date.now()}-${Math.random()}`, { traceId, data })
}

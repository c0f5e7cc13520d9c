// Conformance: cron step (JavaScript). A cron handler receives only the context.
exports.config = {
  type: 'cron',
  name: 'ConfCronJs',
  description: 'Conformance: cron step in JavaScript',
  cron: '* * * * *',
  emits: [],
  flows: ['conformance'],
}

exports.handler = async ({ state, traceId }) => {
  await state.set('conf-cron', 'js', { ran: true, traceId })
}

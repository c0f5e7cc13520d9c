// Conformance: printing to stdout from a handler (JavaScript). The runner must
// turn the printed line into a log entry and keep the protocol channel clean.
exports.config = {
  type: 'event',
  name: 'ConfPrintJs',
  description: 'Conformance: stdout capture in JavaScript',
  subscribes: ['conf.print.js'],
  emits: [],
  input: { type: 'object', properties: {} },
  flows: ['conformance'],
}

exports.handler = async (_input, { logger }) => {
  console.log('printed by js')
  logger.info('after print')
  return { printed: true }
}

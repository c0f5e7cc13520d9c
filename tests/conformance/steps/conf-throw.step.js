// Conformance: a handler that throws (JavaScript). The error message is compared
// across languages, so it must stay exactly 'boom from js'.
exports.config = {
  type: 'event',
  name: 'ConfThrowJs',
  description: 'Conformance: handler error in JavaScript',
  subscribes: ['conf.throw.js'],
  emits: [],
  input: { type: 'object', properties: {} },
  flows: ['conformance'],
}

exports.handler = async () => {
  throw new Error('boom from js')
}

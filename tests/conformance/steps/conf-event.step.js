// Conformance: event step using every state call, then one emit (JavaScript).
exports.config = {
  type: 'event',
  name: 'ConfEventJs',
  description: 'Conformance: state calls and emit in JavaScript',
  subscribes: ['conf.event.js'],
  emits: ['conf.done.js'],
  input: {
    type: 'object',
    properties: { value: { type: 'number' } },
    required: ['value'],
  },
  flows: ['conformance'],
}

exports.handler = async (input, { state, emit }) => {
  await state.set('conf-js', 'last', { value: input.value, lang: 'js' })
  const got = await state.get('conf-js', 'last')
  const missing = await state.get('conf-js', 'nope')
  await state.set('conf-js', 'tmp', 1)
  const old = await state.delete('conf-js', 'tmp')
  const group = await state.getGroup('conf-js')
  await emit({
    topic: 'conf.done.js',
    data: {
      value: input.value + 1,
      lang: 'js',
      got: got.value,
      missingIsNull: missing === null,
      deleted: old,
      groupSize: group.length,
    },
  })
}

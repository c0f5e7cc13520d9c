# Conformance: event step using every state call, then one emit (Ruby,
# hash-style context access; state calls are synchronous and return the value).

def config
  {
    type: 'event',
    name: 'ConfEventRb',
    description: 'Conformance: state calls and emit in Ruby',
    subscribes: ['conf.event.rb'],
    emits: ['conf.done.rb'],
    input: { value: 'number' },
    flows: ['conformance']
  }
end

def handler(input, context)
  state = context[:state]
  emit = context[:emit]
  state.set('conf-rb', 'last', { value: input['value'], lang: 'rb' })
  got = state.get('conf-rb', 'last')
  missing = state.get('conf-rb', 'nope')
  state.set('conf-rb', 'tmp', 1)
  old = state.delete('conf-rb', 'tmp')
  group = state.get_group('conf-rb')
  emit.call(
    topic: 'conf.done.rb',
    data: {
      value: input['value'] + 1,
      lang: 'rb',
      got: got['value'],
      missingIsNull: missing.nil?,
      deleted: old,
      groupSize: group.length
    }
  )
  nil
end

def config
  { type: 'event', name: 'SoakRecordRb', subscribes: ['soak.work'], emits: [], input: { id: 'string' } }
end

def handler(input, context)
  context.state.set('soak-rb', input['id'], true)
end

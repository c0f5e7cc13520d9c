# A Ruby subscriber with the shorthand schema.
def config
  { type: 'event', name: 'FlagOrder', subscribes: ['order.flagged'], emits: ['order.reviewed'],
    input: { id: 'string', reason: 'string' }, flows: ['orders'] }
end

def handler(input, context)
  context.emit(topic: 'order.reviewed', data: { id: input['id'], from: 'flagger' })
end

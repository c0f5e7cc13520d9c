# Conformance: cron step (Ruby, method-style context access).
# A cron handler receives only the context.

def config
  {
    type: 'cron',
    name: 'ConfCronRb',
    description: 'Conformance: cron step in Ruby',
    cron: '* * * * *',
    emits: [],
    flows: ['conformance']
  }
end

def handler(context)
  context.state.set('conf-cron', 'rb', { ran: true, traceId: context.trace_id })
  nil
end

# Conformance: printing to stdout from a handler (Ruby). The runner must turn
# the printed line into a log entry and keep the protocol channel clean.

def config
  {
    type: 'event',
    name: 'ConfPrintRb',
    description: 'Conformance: stdout capture in Ruby',
    subscribes: ['conf.print.rb'],
    emits: [],
    input: { type: 'object', properties: {} },
    flows: ['conformance']
  }
end

def handler(_input, context)
  puts 'printed by rb'
  context.logger.info('after print')
  { printed: true }
end

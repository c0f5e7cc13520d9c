# Conformance: a handler that raises (Ruby). The error message is compared
# across languages, so it must stay exactly 'boom from rb'.

def config
  {
    type: 'event',
    name: 'ConfThrowRb',
    description: 'Conformance: handler error in Ruby',
    subscribes: ['conf.throw.rb'],
    emits: [],
    input: { type: 'object', properties: {} },
    flows: ['conformance']
  }
end

def handler(_input, _context)
  raise 'boom from rb'
end

# Chain link 3 of 3 (Ruby): records the chain's arrival in state.
def config
  {
    type: 'event', name: 'ChainEnd', subscribes: ['bench.chain.3'], emits: [],
    input: { n: 'integer' },
    infrastructure: { queue: { concurrency: 256 } }
  }
end

def handler(input, context)
  context.state.set('bench-chain', input['n'].to_s, true)
end

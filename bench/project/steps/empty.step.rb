def config
  { type: 'event', name: 'EmptyRuby', subscribes: ['bench.empty.ruby'], emits: [] }
end

def handler(_input, _context)
  nil
end

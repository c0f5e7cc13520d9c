def config
  { type: 'api', name: 'PingRb', method: 'GET', path: '/ping/rb', emits: [] }
end

def handler(_req, _context)
  { status: 200, body: { ok: true } }
end

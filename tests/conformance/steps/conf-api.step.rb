# Conformance: API step (Ruby, hash-style context access, shorthand body schema).
# Must behave exactly like the TS, JS and Python versions, except for the `lang`
# value and the `/conf/rb/` path.

def config
  {
    type: 'api',
    name: 'ConfApiRb',
    description: 'Conformance: API step in Ruby',
    method: 'POST',
    path: '/conf/rb/items/:id',
    bodySchema: { name: 'string', qty: 'number' },
    emits: [],
    flows: ['conformance']
  }
end

def handler(req, context)
  logger = context[:logger]
  id = req['pathParams']['id']
  body = req['body']
  logger.info('conf api called', id: id)
  {
    status: 201,
    body: {
      id: id,
      name: body['name'],
      qty: body['qty'] * 2,
      lang: 'rb',
      traceId: context[:traceId],
      query: (req['queryParams'] || {})['q']
    },
    headers: { 'x-lang' => 'rb' }
  }
end

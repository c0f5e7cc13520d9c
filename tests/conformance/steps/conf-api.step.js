// Conformance: API step (JavaScript, CommonJS). Must behave exactly like the TS,
// Python and Ruby versions, except for the `lang` value and the `/conf/js/` path.
exports.config = {
  type: 'api',
  name: 'ConfApiJs',
  description: 'Conformance: API step in JavaScript',
  method: 'POST',
  path: '/conf/js/items/:id',
  bodySchema: {
    type: 'object',
    properties: { name: { type: 'string' }, qty: { type: 'number' } },
    required: ['name', 'qty'],
  },
  emits: [],
  flows: ['conformance'],
}

exports.handler = async (req, { logger, traceId }) => {
  const id = req.pathParams.id
  logger.info('conf api called', { id })
  return {
    status: 201,
    body: {
      id,
      name: req.body.name,
      qty: req.body.qty * 2,
      lang: 'js',
      traceId,
      query: (req.queryParams && req.queryParams.q) ?? null,
    },
    headers: { 'x-lang': 'js' },
  }
}

// Conformance: API step (TypeScript). Must behave exactly like the JS, Python and
// Ruby versions, except for the `lang` value and the `/conf/ts/` path.
import { z } from 'zod'
import type { ApiRouteConfig, Handlers } from 'motia'

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'ConfApiTs',
  description: 'Conformance: API step in TypeScript',
  method: 'POST',
  path: '/conf/ts/items/:id',
  bodySchema: z.object({ name: z.string(), qty: z.number() }),
  emits: [],
  flows: ['conformance'],
}

export const handler: Handlers['ConfApiTs'] = async (req, { logger, traceId }) => {
  const id = req.pathParams.id
  logger.info('conf api called', { id })
  return {
    status: 201,
    body: {
      id,
      name: req.body.name,
      qty: req.body.qty * 2,
      lang: 'ts',
      traceId,
      query: req.queryParams?.q ?? null,
    },
    headers: { 'x-lang': 'ts' },
  }
}

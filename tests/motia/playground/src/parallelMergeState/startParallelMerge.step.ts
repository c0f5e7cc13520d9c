import type { ApiMiddleware, ApiRouteConfig, Handlers } from 'motia'

// Times the request around the handler, as Motia's playground does.
const timingMiddleware: ApiMiddleware = async (_, ctx, next) => {
  const started = Date.now()
  const response = await next()
  ctx.logger.info(`Request completed in ${Date.now() - started}ms`)
  return response
}

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'Parallel Merge',
  description: 'Starts three steps at once; join-step merges their results',
  path: '/api/parallel-merge',
  method: 'POST',
  virtualSubscribes: ['/api/parallel-merge'],
  emits: ['pms.start'],
  flows: ['parallel-merge'],
  middleware: [timingMiddleware],
}

export const handler: Handlers['Parallel Merge'] = async (_, { emit, logger, traceId }) => {
  logger.info('Starting parallel merge')
  await emit({ topic: 'pms.start', data: {} })
  return { status: 200, body: { traceId, message: 'Started parallel merge' } }
}

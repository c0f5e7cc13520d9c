// The API step the type checks are written against: a zod body, path params,
// a responseSchema, and two topics with different subscribers.
import { z } from 'zod'
import type { ApiRouteConfig, Handlers } from 'motia'

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'CreateOrder',
  method: 'POST',
  path: '/stores/:storeId/orders',
  bodySchema: z.object({
    productId: z.string().min(1),
    quantity: z.number().int().min(1),
    note: z.string().optional(),
    tags: z.array(z.string()).default([]),
    delivery: z.enum(['standard', 'express']),
    address: z.object({ line1: z.string(), city: z.string() }),
    giftFor: z.string().nullable(),
  }),
  responseSchema: {
    201: z.object({ id: z.string() }),
    400: z.object({ error: z.string() }),
  },
  emits: ['order.created', { topic: 'order.flagged', conditional: true }],
  flows: ['orders'],
}

export const handler: Handlers['CreateOrder'] = async (req, { emit, state, logger, streams, traceId }) => {
  const { productId, quantity, address } = req.body
  const id = `${req.pathParams.storeId}-${traceId}`
  const order = { id, productId, quantity, city: address.city, tags: req.body.tags ?? [] }
  await state.set('orders', id, order)
  await streams.messages.set('orders', id, { text: `order ${id}` })
  await emit({
    topic: 'order.created',
    data: { id, productId, quantity, priority: req.body.delivery === 'express' ? 'high' : null, address },
  })
  if (req.body.giftFor !== null && req.body.giftFor.length > 40) {
    await emit({ topic: 'order.flagged', data: { id, reason: 'long gift name' } })
  }
  logger.info('order created', { id })
  return { status: 201, body: { id } }
}

// E-commerce: place an order (the seed's "TypeScript API → JavaScript Payment →
// Python analytics → Ruby report" chain starts here).
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { ApiRouteConfig, Handlers } from 'motia'

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'CreateOrder',
  description: 'Place an e-commerce order',
  method: 'POST',
  path: '/orders',
  bodySchema: z.object({
    productId: z.string().min(1),
    quantity: z.number().int().min(1),
    amount: z.number().positive(),
    currency: z.string().length(3),
  }),
  emits: ['order.created'],
  flows: ['ecommerce'],
}

export const handler: Handlers['CreateOrder'] = async (req, { emit, logger, state }) => {
  const { productId, quantity, amount } = req.body
  const currency = req.body.currency.toUpperCase()
  const order = {
    id: randomUUID(),
    kind: 'product',
    productId,
    quantity,
    amount,
    currency,
    status: 'created',
    createdAt: new Date().toISOString(),
  }

  await state.set('orders', order.id, order)
  await emit({
    topic: 'order.created',
    data: { id: order.id, productId, quantity, amount, currency },
  })
  logger.info('Order created', { orderId: order.id, productId, amount, currency })

  return { status: 201, body: order }
}

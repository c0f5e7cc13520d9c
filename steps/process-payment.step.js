// E-commerce: charge an order through the payment gateway.
//
// MOCK: mockPaymentGateway stands in for a real payment provider; no money moves.
// It approves every charge up to 10,000 and declines larger ones, so both
// outcomes can be tried locally.

const { randomUUID } = require('node:crypto')

const MOCK_DECLINE_ABOVE = 10000

exports.config = {
  type: 'event',
  name: 'ProcessPayment',
  description: 'Charge the order (MOCK payment gateway)',
  subscribes: ['order.created'],
  emits: [
    'payment.processed',
    { topic: 'payment.failed', label: 'MOCK decline (amount over 10,000)', conditional: true },
  ],
  input: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      productId: { type: 'string' },
      quantity: { type: 'integer' },
      amount: { type: 'number' },
      currency: { type: 'string' },
    },
    required: ['id', 'productId', 'quantity', 'amount', 'currency'],
  },
  flows: ['ecommerce'],
}

// MOCK: replace with a real payment provider's SDK.
const mockPaymentGateway = {
  async charge({ orderId, amount, currency }) {
    if (amount > MOCK_DECLINE_ABOVE) {
      return { id: null, status: 'declined', reason: 'MOCK: amount over limit', mock: true }
    }
    return { id: `mock_pay_${randomUUID()}`, status: 'succeeded', orderId, amount, currency, mock: true }
  },
}

exports.handler = async (order, { emit, logger, state }) => {
  logger.info('Processing payment with MOCK gateway', { orderId: order.id, amount: order.amount })

  const result = await mockPaymentGateway.charge({
    orderId: order.id,
    amount: order.amount,
    currency: order.currency,
  })
  const payment = {
    orderId: order.id,
    paymentId: result.id,
    amount: order.amount,
    currency: order.currency,
    status: result.status,
    gateway: 'MOCK',
    processedAt: new Date().toISOString(),
  }
  await state.set('payments', order.id, payment)

  const stored = await state.get('orders', order.id)
  if (stored) {
    const status = result.status === 'succeeded' ? 'paid' : 'payment_failed'
    await state.set('orders', order.id, { ...stored, status })
  }

  if (result.status !== 'succeeded') {
    logger.warn('MOCK payment declined', { orderId: order.id, reason: result.reason })
    await emit({ topic: 'payment.failed', data: { orderId: order.id, reason: result.reason } })
    return
  }

  await emit({
    topic: 'payment.processed',
    data: { orderId: order.id, amount: order.amount, productId: order.productId },
  })
}

// Pet store: tell the pet's owner that their food order is on its way.
// Written with ESM `export` syntax, which Steppe accepts in any .js step.
//
// MOCK: mockNotify stands in for a real e-mail/SMS provider; nothing is sent.

export const config = {
  type: 'event',
  name: 'NotifyOwner',
  description: 'Notify the owner that an order was fulfilled (MOCK notification)',
  subscribes: ['order.fulfilled'],
  emits: [],
  input: {
    type: 'object',
    properties: {
      orderId: { type: 'string' },
      petId: { type: 'string' },
      petName: { type: 'string' },
      food: { type: 'string' },
      quantity: { type: 'integer' },
      fulfilledAt: { type: 'string' },
    },
    required: ['orderId', 'petId', 'petName', 'food', 'quantity', 'fulfilledAt'],
  },
  flows: ['pet-store'],
}

// MOCK: replace with a real notification provider. Logs instead of sending.
const mockNotify = (logger, message) => {
  logger.info(`MOCK notification (not sent): ${message}`)
  return { channel: 'mock-email', mock: true, message, sentAt: new Date().toISOString() }
}

export const handler = async (input, { logger, state }) => {
  const { orderId, petName, food, quantity } = input
  const notification = mockNotify(
    logger,
    `${quantity} x ${food} for ${petName} has shipped (order ${orderId})`,
  )

  // One list of notifications per order: an order can be notified more than once
  // (at-least-once delivery, or a later status change).
  const previous = (await state.get('notifications', orderId)) || []
  await state.set('notifications', orderId, [...previous, notification])
}

// A JavaScript subscriber with a JSON Schema input.
export const config = {
  type: 'event',
  name: 'ProcessOrder',
  subscribes: ['order.created'],
  emits: ['order.processed'],
  input: {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'The order id' },
      productId: { type: 'string' },
      quantity: { type: 'integer' },
      priority: { anyOf: [{ enum: ['low', 'high'] }, { type: 'null' }] },
    },
    required: ['id', 'productId', 'quantity'],
  },
  flows: ['orders'],
}

export const handler = async (input, { emit }) => {
  await emit({ topic: 'order.processed', data: { id: input.id, total: input.quantity } })
}

# Pet store: fulfil a food order through the warehouse, mark it 'fulfilled' and
# announce it on `order.fulfilled`.
#
# MOCK: mock_warehouse stands in for a real warehouse API; nothing is shipped.

require 'securerandom'
require 'time'

def config
  {
    type: 'event',
    name: 'FulfillOrder',
    description: 'Fulfil a food order (MOCK warehouse)',
    subscribes: ['food.ordered'],
    emits: ['order.fulfilled'],
    input: {
      orderId: 'string',
      petId: 'string',
      petName: 'string',
      food: 'string',
      quantity: 'number'
    },
    flows: ['pet-store']
  }
end

def handler(input, context)
  logger = context[:logger]
  state = context[:state]
  order_id = input['orderId']

  order = state.get('orders', order_id)
  if order.nil?
    logger.warn('Order to fulfil not found', orderId: order_id)
    return nil
  end

  if order['status'] == 'fulfilled'
    # At-least-once delivery: this event came again. Do not ship twice, but send
    # the notification event again in case the first one was lost.
    logger.info('Order already fulfilled', orderId: order_id)
  else
    shipment = mock_warehouse(order, logger)
    order = order.merge(
      'status' => 'fulfilled',
      'fulfilledAt' => Time.now.utc.iso8601(3),
      'shipment' => shipment
    )
    state.set('orders', order_id, order)
    logger.info('Order fulfilled', orderId: order_id, shipmentId: shipment[:id], mock: true)
  end

  context[:emit].call(
    topic: 'order.fulfilled',
    data: {
      orderId: order_id,
      petId: order['petId'],
      petName: order['petName'],
      food: order['food'],
      quantity: order['quantity'],
      fulfilledAt: order['fulfilledAt']
    }
  )
  nil
end

# MOCK: replace with the real warehouse API. Always succeeds, ships nothing.
def mock_warehouse(order, logger)
  logger.info("MOCK warehouse: packing #{order['quantity']} x #{order['food']} for #{order['petName']}")
  {
    id: "mock-shipment-#{SecureRandom.hex(6)}",
    warehouse: 'MOCK',
    items: [{ food: order['food'], quantity: order['quantity'] }]
  }
end

# Fetch an order by id: a pet-store food order (OrderFood) or an e-commerce
# order (CreateOrder). Both live in the `orders` state group; e-commerce orders
# also show their payment once ProcessPayment has handled them.

def config
  {
    type: 'api',
    name: 'GetOrder',
    description: 'Fetch a food order or an e-commerce order by id',
    method: 'GET',
    path: '/orders/:id',
    emits: [],
    flows: ['pet-store', 'ecommerce']
  }
end

def handler(req, context)
  state = context.state
  order_id = req['pathParams']['id']

  order = state.get('orders', order_id)
  if order.nil?
    context.logger.warn('Order not found', orderId: order_id)
    return { status: 404, body: { error: 'Order not found', id: order_id } }
  end

  if order['kind'] == 'product'
    payment = state.get('payments', order_id)
    order = order.merge('payment' => payment) if payment
  end
  { status: 200, body: order }
end

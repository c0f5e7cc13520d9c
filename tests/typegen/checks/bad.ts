// Must NOT type-check: each line marked `// error` has one mistake the generated
// types have to catch. The test compares tsc's error lines with these marks.
import type { Handlers } from 'motia'

export const unknownBodyField: Handlers['CreateOrder'] = async (req) => {
  const coupon = req.body.coupon // error
  return { status: 201, body: { id: String(coupon) } }
}

export const wrongBodyType: Handlers['CreateOrder'] = async (req) => {
  const quantity: string = req.body.quantity // error
  return { status: 201, body: { id: quantity } }
}

export const unknownPathParam: Handlers['CreateOrder'] = async (req) => {
  return { status: 201, body: { id: req.pathParams.orderId } } // error
}

export const wrongEmitData: Handlers['CreateOrder'] = async (req, { emit }) => {
  const { productId, address } = req.body
  await emit({ topic: 'order.created', data: { id: 1, productId, quantity: 1, address } }) // error
  return { status: 201, body: { id: productId } }
}

export const missingFieldOfSecondSubscriber: Handlers['CreateOrder'] = async (req, { emit }) => {
  const { productId, quantity } = req.body
  await emit({ topic: 'order.created', data: { id: 'a', productId, quantity } }) // error
  return { status: 201, body: { id: productId } }
}

export const undeclaredTopic: Handlers['CreateOrder'] = async (req, { emit }) => {
  await emit({ topic: 'order.processed', data: {} }) // error
  return { status: 201, body: { id: req.body.productId } }
}

// (tsc reports a wrong return of an arrow function at its declaration.)
export const undeclaredStatus: Handlers['CreateOrder'] = async () => ({ status: 418, body: {} }) // error

export const wrongInputType: Handlers['ProcessOrder'] = async (input) => {
  const quantity: string = input.quantity // error
  return quantity
}

export const emitsNothing: Handlers['Summarize'] = async ({ emit }) => {
  await emit({ topic: 'order.created', data: {} }) // error
}

export const unknownStream: Handlers['Summarize'] = async ({ streams }) => {
  await streams.orders.get('g', 'i') // error
}

export const unknownUpdateOp: Handlers['Summarize'] = async ({ state }) => {
  await state.update('g', 'k', [{ type: 'multiply', path: 'n', by: 2 }]) // error
}

export const unknownStep: Handlers['NoSuchStep'] = async () => {} // error

// The e-commerce flow of the example project, written as Motia's playground specs are
// (jest syntax, @motiadev/test): `steppe test steps` runs it with Node's test runner,
// or with the project's jest when it has one.
import { createMotiaTester } from '@motiadev/test'

const ORDER = { productId: 'sku-42', quantity: 2, amount: 59.9, currency: 'eur' }

describe('ecommerce', () => {
  let server: ReturnType<typeof createMotiaTester>

  beforeEach(async () => (server = createMotiaTester()))
  afterEach(async () => server.close())

  it('charges an order and reports it', async () => {
    const processed = await server.watch('payment.processed')
    const analytics = await server.watch('analytics.updated')

    const response = await server.post('/orders', { body: ORDER })
    await server.waitEvents()

    expect(response.status).toBe(201)
    expect(response.body).toEqual({
      id: expect.any(String),
      kind: 'product',
      productId: 'sku-42',
      quantity: 2,
      amount: 59.9,
      currency: 'EUR',
      status: 'created',
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    })
    expect(processed.getCapturedEvents()).toHaveLength(1)
    expect(processed.getLastCapturedEvent()).toEqual({
      traceId: expect.any(String),
      topic: 'payment.processed',
      flows: ['ecommerce'],
      data: { orderId: response.body.id, amount: 59.9, productId: 'sku-42' },
    })
    expect(analytics.getLastCapturedEvent()?.data).toEqual({
      totalOrders: 1,
      totalAmount: 59.9,
      topProducts: { 'sku-42': 1 },
    })

    const order = await server.get(`/orders/${response.body.id}`, {})
    expect(order.body.status).toBe('paid')
    expect(order.body.payment).toMatchObject({ status: 'succeeded', gateway: 'MOCK' })
  })

  it('declines an order over the MOCK limit', async () => {
    const failed = await server.watch('payment.failed')
    const processed = await server.watch('payment.processed')

    const response = await server.post('/orders', { body: { ...ORDER, amount: 20000 } })
    await server.waitEvents()

    expect(processed.getCapturedEvents()).toHaveLength(0)
    expect(failed.getCapturedEvents()).toEqual([
      {
        traceId: expect.any(String),
        topic: 'payment.failed',
        flows: ['ecommerce'],
        data: { orderId: response.body.id, reason: 'MOCK: amount over limit' },
      },
    ])
    expect(await server.state.get('reports', 'latest')).toBeNull()
  })

  it('starts every test from empty state', async () => {
    expect(await server.state.getGroup('orders')).toEqual([])
  })
})

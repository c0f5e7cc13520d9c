# frozen_string_literal: true

# GetOrder and the report of the example project, tested with Steppe's minitest
# helper: `steppe test steps` starts the project once and empties its stores before
# each test.
require 'steppe/testing'

class OrdersTest < Minitest::Test
  include Steppe::Testing

  ORDER = { productId: 'sku-7', quantity: 1, amount: 12.5, currency: 'usd' }.freeze

  def test_a_paid_order_shows_its_payment
    created = steppe.post('/orders', body: ORDER)
    assert_equal 201, created.status
    steppe.wait_idle

    order = steppe.get("/orders/#{created.body['id']}").body
    assert_equal 'paid', order['status']
    assert_equal 'USD', order['payment']['currency']
    assert_equal 'MOCK', order['payment']['gateway']
  end

  def test_the_report_counts_every_paid_order
    2.times { steppe.post('/orders', body: ORDER) }
    steppe.wait_idle

    csv = steppe.state.get('reports', 'latest')['csv']
    assert_includes csv, "Total Orders,2\n"
    assert_includes csv, "Product sku-7,2\n"
  end

  def test_an_unknown_order_is_a_404
    answer = steppe.get('/orders/nope')
    assert_equal 404, answer.status
    assert_equal({ 'error' => 'Order not found', 'id' => 'nope' }, answer.body)
  end

  def test_an_emitted_event_reaches_its_subscribers
    reports = steppe.watch('analytics.updated')
    steppe.emit('payment.processed', { orderId: 'o-9', amount: 3, productId: 'sku-1' })
    steppe.wait_idle

    assert_equal [{ 'totalOrders' => 1, 'totalAmount' => 3, 'topProducts' => { 'sku-1' => 1 } }], reports.events.map { |e| e['data'] }
    refute_nil steppe.state.get('reports', 'latest')
  end
end

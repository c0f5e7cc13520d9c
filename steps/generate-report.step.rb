# E-commerce: turn the latest analytics into a CSV report, kept in state group
# 'reports' under key 'latest'.

require 'csv'
require 'time'

def config
  {
    type: 'event',
    name: 'GenerateReport',
    description: 'Build a CSV sales report from the analytics summary',
    subscribes: ['analytics.updated'],
    emits: [],
    input: {
      type: 'object',
      properties: {
        totalOrders: { type: 'integer' },
        totalAmount: { type: 'number' },
        topProducts: { type: 'object', additionalProperties: { type: 'integer' } }
      },
      required: %w[totalOrders totalAmount topProducts]
    },
    flows: ['ecommerce']
  }
end

def handler(analytics, context)
  logger = context[:logger]
  state = context[:state]

  products = analytics['topProducts'].sort_by { |product, count| [-count, product] }
  csv = CSV.generate do |rows|
    rows << %w[Metric Value]
    rows << ['Total Orders', analytics['totalOrders']]
    rows << ['Total Amount', format('%.2f', analytics['totalAmount'])]
    products.each { |product, count| rows << ["Product #{product}", count] }
  end

  generated_at = Time.now.utc.iso8601(3)
  state.set('reports', 'latest', { csv: csv, generatedAt: generated_at })
  logger.info('Report generated', products: products.length, generatedAt: generated_at)
  nil
end

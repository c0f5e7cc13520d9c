// A stream whose items the atomic tests update (JSON Schema: `label` must be text).
exports.config = {
  name: 'counters',
  schema: { type: 'object', properties: { count: { type: 'number' }, label: { type: 'string' } } },
  baseConfig: { storageType: 'default' },
}

// Any object goes: for volume tests (a slow consumer among fast ones).
module.exports = { config: { name: 'firehose', schema: { type: 'object' }, baseConfig: { storageType: 'default' } } }

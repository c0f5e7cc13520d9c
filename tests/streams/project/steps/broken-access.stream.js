// A canAccess that throws: access must be denied, not granted.
module.exports = {
  config: { name: 'broken-access', schema: { type: 'object' }, baseConfig: { storageType: 'default' } },
  canAccess: () => {
    throw new Error('the access service is down')
  },
}

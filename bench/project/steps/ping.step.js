exports.config = { type: 'api', name: 'PingJs', method: 'GET', path: '/ping/js', emits: [] }
exports.handler = async () => ({ status: 200, body: { ok: true } })

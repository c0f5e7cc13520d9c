export const config = { type: 'api', name: 'PingTs', method: 'GET', path: '/ping/ts', emits: [] }
export const handler = async () => ({ status: 200, body: { ok: true } })

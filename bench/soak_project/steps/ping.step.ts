export const config = { type: 'api', name: 'SoakPing', method: 'GET', path: '/ping', emits: [] }
export const handler = async () => ({ status: 200, body: { ok: true } })

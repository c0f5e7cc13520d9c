// The admin API (/__steppe/api) and the live WebSocket (/__steppe/api/live).

export const BASE = '/__steppe/api'
const TOKEN_KEY = 'steppe-admin-token'
// Characters a WebSocket subprotocol may hold (an HTTP token).
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export const auth = {
  get token () { return sessionStorage.getItem(TOKEN_KEY) || '' },
  set (token) { sessionStorage.setItem(TOKEN_KEY, token) },
  clear () { sessionStorage.removeItem(TOKEN_KEY) },
  onRefused: null
}

export class ApiError extends Error {
  constructor (status, body) {
    super(body && body.error ? `${status} ${body.error}` : `HTTP ${status}`)
    this.status = status
    this.body = body
  }
}

export function authHeaders () {
  return auth.token ? { authorization: `Bearer ${auth.token}` } : {}
}

export async function api (path, { method = 'GET', body, signal } = {}) {
  const headers = authHeaders()
  let payload
  if (body !== undefined) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body) // a string value too: the server reads every body as JSON
  }
  const response = await fetch(BASE + path, { method, headers, body: payload, signal })
  const text = await response.text()
  let data = null
  try { data = text ? JSON.parse(text) : null } catch { data = text }
  if ((response.status === 401 || response.status === 403) && auth.onRefused) auth.onRefused(response.status, data)
  if (!response.ok) throw new ApiError(response.status, data)
  return data
}

export const enc = encodeURIComponent

/** A WebSocket to this server, carrying the admin token the way browsers can. */
export function openSocket (path, { tokenParam = 'token' } = {}) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  let url = `${scheme}//${location.host}${path}`
  let protocols
  const token = auth.token
  if (token && TOKEN_CHARS.test(token)) protocols = ['Authorization', token]
  else if (token) url += `${url.includes('?') ? '&' : '?'}${tokenParam}=${enc(token)}`
  return protocols ? new WebSocket(url, protocols) : new WebSocket(url)
}

/** The live feed: log entries and finished spans, reconnecting with backoff. */
export class Live {
  constructor () {
    this.handlers = new Map()
    this.state = 'connecting'
    this.retries = 0
    this.socket = null
    this.timer = null
  }

  connect () {
    clearTimeout(this.timer)
    const socket = openSocket(`${BASE}/live`)
    this.socket = socket
    socket.addEventListener('open', () => {
      this.retries = 0
      this.setState('live')
    })
    socket.addEventListener('message', event => {
      let message
      try { message = JSON.parse(event.data) } catch { return }
      this.dispatch(message.type, message)
    })
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return
      this.setState('offline')
      const delay = Math.min(5000, 300 * 2 ** this.retries++)
      this.timer = setTimeout(() => this.connect(), delay)
    })
  }

  reconnect () {
    const old = this.socket
    this.socket = null
    if (old) old.close()
    this.retries = 0
    this.connect()
  }

  setState (state) {
    this.state = state
    this.dispatch('status', { state })
  }

  on (type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set())
    this.handlers.get(type).add(handler)
    return () => this.handlers.get(type).delete(handler)
  }

  dispatch (type, message) {
    for (const handler of this.handlers.get(type) || []) {
      try { handler(message) } catch (error) { console.error(error) }
    }
  }
}

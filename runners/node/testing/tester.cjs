// The JS/TS tester (docs/reference.md §13): the API of Motia 0.17's `@motiadev/test`
// (packages/test/src/tester.ts, types.ts, helpers.ts at v0.17.14-beta.196), driving
// the Steppe server that `steppe test` started for the run (STEPPE_TEST_URL).
//
// `steppe test` resolves `@motiadev/test` and `steppe/test` to this file. CommonJS,
// so that jest (which requires) and ESM importers (named exports found by Node's
// CommonJS lexer) load the same module.
//
// Where Motia's tester runs the project in process, this one talks HTTP to the
// server's test API (orchestrator/http/admin/testing.py): each createMotiaTester()
// empties the server's stores, as Motia's fresh server per tester starts empty, and
// captured events are fetched after every call, so `getCapturedEvents()` stays
// synchronous as in Motia.

'use strict'

const URL_VARIABLE = 'STEPPE_TEST_URL'
const API = '/__steppe/api/testing'
const IDLE_TIMEOUT_S = 30

function serverUrl() {
  const url = process.env[URL_VARIABLE]
  if (!url) {
    throw new Error(
      `createMotiaTester() needs the Steppe server of a test run: start the specs with \`steppe test\` (${URL_VARIABLE} is not set)`,
    )
  }
  return url.replace(/\/$/, '')
}

async function call(base, method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } }
  if (body !== undefined && method !== 'GET' && method !== 'HEAD') {
    init.body = JSON.stringify(body)
    if (!Object.keys(init.headers).some((name) => name.toLowerCase() === 'content-type')) {
      init.headers['content-type'] = 'application/json'
    }
  }
  let answer
  try {
    answer = await fetch(base + path, init)
  } catch (err) {
    throw new Error(`cannot reach the Steppe test server at ${base} (${err.cause?.message ?? err.message})`)
  }
  return toResponse(answer, await answer.text())
}

// supertest's Response, the fields specs use: status, body ({} when not JSON), text, headers.
function toResponse(answer, text) {
  const headers = {}
  answer.headers.forEach((value, name) => {
    headers[name] = value
  })
  let body = {}
  if ((headers['content-type'] ?? '').includes('json') && text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = {}
    }
  }
  return { status: answer.status, statusCode: answer.status, ok: answer.ok, body, text, headers, header: headers }
}

async function testApi(base, method, path, body) {
  const response = await call(base, method, API + path, body)
  if (response.status >= 400) {
    const detail = response.body.message ?? response.body.error ?? response.text
    const error = new Error(`${method} ${API}${path}: ${response.status} ${detail}`)
    if (response.body.name) error.name = response.body.name
    if (response.body.stack) error.stack = response.body.stack
    throw error
  }
  return response.body
}

function cookieHeader(cookies) {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ')
}

const consoleLogger = {
  info: (...args) => console.info(...args),
  error: (...args) => console.error(...args),
  warn: (...args) => console.warn(...args),
  debug: (...args) => console.debug(...args),
  log: (...args) => console.log(...args),
}

function createMotiaTester() {
  const base = (() => {
    try {
      return serverUrl()
    } catch (err) {
      return err
    }
  })()
  const watchers = []
  let cursor = 0
  // Like Motia's `promise`: every method waits for the fresh start first.
  const ready = base instanceof Error ? Promise.reject(base) : testApi(base, 'POST', '/reset')
  ready.catch(() => {}) // reported by the first method a spec awaits, not as unhandled

  async function collect() {
    const { events, next } = await testApi(base, 'GET', `/events?since=${cursor}`)
    cursor = next
    for (const event of events) {
      for (const watcher of watchers) if (watcher.topic === event.topic) watcher.events.push(event)
    }
  }

  async function request(method, path, options = {}) {
    await ready
    const headers = { ...(options.headers ?? {}) }
    if (options.cookies) headers.cookie = cookieHeader(options.cookies)
    const response = await call(base, method, path, options.body, headers)
    await collect()
    return response
  }

  return {
    logger: consoleLogger,
    post: (path, options) => request('POST', path, options),
    get: (path, options) => request('GET', path, options),
    put: (path, options) => request('PUT', path, options),
    patch: (path, options) => request('PATCH', path, options),
    delete: (path, options) => request('DELETE', path, options),
    async emit(event) {
      await ready
      await testApi(base, 'POST', '/emit', event)
      await collect()
    },
    async watch(topic) {
      await ready
      await collect()
      const watcher = { topic, events: [] }
      watchers.push(watcher)
      return {
        getCapturedEvents: () => watcher.events,
        getLastCapturedEvent: () => watcher.events[watcher.events.length - 1],
        getCapturedEvent: (index) => watcher.events[index],
      }
    },
    async waitEvents() {
      await ready
      await testApi(base, 'POST', '/idle', { timeout: IDLE_TIMEOUT_S })
      await collect()
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async close() {
      await ready.catch(() => {})
    },
    // Steppe's own additions.
    /** One step's handler with a recording context, as `steppe run` (no delivery). */
    async run(step, { data = null, params = {}, query = {} } = {}) {
      await ready
      return testApi(base, 'POST', '/run', { step, data, params, query })
    },
    state: {
      async get(group, key) {
        const items = await this.items(group)
        return items.find((item) => item.key === key)?.value ?? null
      },
      async getGroup(group) {
        return (await this.items(group)).map((item) => item.value)
      },
      async items(group) {
        await ready
        const response = await call(base, 'GET', `/__steppe/api/state/${encodeURIComponent(group)}`)
        return response.body
      },
    },
    async logs() {
      await ready
      return (await testApi(base, 'GET', '/logs?since=0')).entries
    },
  }
}

// Motia's helpers.ts: mocks built on the test framework's own mock functions.
function mockFunction() {
  const framework = globalThis.jest ?? globalThis.vi
  if (!framework?.fn) throw new Error('createMockContext needs jest (or vitest) mock functions')
  return framework.fn()
}

function createMockLogger() {
  return { info: mockFunction(), error: mockFunction(), warn: mockFunction(), debug: mockFunction(), log: mockFunction() }
}

function createMockContext(options = {}) {
  const { logger = createMockLogger(), emit = mockFunction(), traceId = 'mock-trace-id', state } = options
  return {
    logger,
    emit,
    traceId,
    state: {
      get: mockFunction(),
      set: mockFunction(),
      delete: mockFunction(),
      clear: mockFunction(),
      getGroup: mockFunction(),
      ...state,
    },
  }
}

module.exports = { createMotiaTester, createMockContext, createMockLogger }

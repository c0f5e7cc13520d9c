// API middleware in the real runner (src/middleware.mjs), as Motia 0.17 composes it
// (packages/core/src/node/middleware-compose.ts at v0.17.14-beta.196): names in the
// config, a bad entry refused at load, the order, answering early, changing the
// request and the response, and errors.

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { copyFixture, startRunner } from './harness.mjs'

const CTX = { traceId: 'trace-1', step: 'Mw', flows: [] }

const CHAIN = `
const outer = async (req, ctx, next) => {
  if (req.headers.auth !== 'yes') return { status: 401, body: { error: 'no auth' } }
  req.seen = ['outer']
  const res = await next()
  return { ...res, headers: { 'x-outer': 'after' } }
}
export const config = {
  type: 'api', name: 'Chain', method: 'POST', path: '/chain',
  middleware: [
    outer,
    async (req, ctx, next) => { req.seen.push('inner'); return next() },
    function swap(req, ctx, next) { return next({ ...req, swapped: true }) },
  ],
}
export const handler = async (req, ctx) => {
  if (req.body.fail) throw new Error('handler failed')
  return { status: 200, body: { seen: req.seen, swapped: req.swapped, traceId: ctx.traceId } }
}
`

describe('middleware', { timeout: 30_000 }, () => {
  let fixture
  let runner
  let iid = 0
  const step = (name) => join(fixture.dir, 'steps', name)
  const write = (name, text) => writeFileSync(step(name), text)
  const load = (name) => runner.request('load', { path: step(name), kind: 'step' })
  const invoke = (name, input) => runner.request('invoke', { iid: ++iid, path: step(name), ctx: CTX, input })

  before(async () => {
    fixture = copyFixture()
    runner = await startRunner(fixture.dir)
  })

  after(async () => {
    await runner.close()
    fixture.remove()
  })

  it('names the functions in the config and runs them first to last around the handler', async () => {
    write('chain.step.js', CHAIN)
    const loaded = await load('chain.step.js')
    assert.equal(loaded.ok, true, JSON.stringify(loaded.e))
    assert.deepEqual(loaded.r.config.middleware, ['outer', '<anonymous>', 'swap'])
    const res = await invoke('chain.step.js', { body: {}, headers: { auth: 'yes' } })
    assert.deepEqual(res.r, {
      status: 200,
      body: { seen: ['outer', 'inner'], swapped: true, traceId: 'trace-1' },
      headers: { 'x-outer': 'after' },
    })
  })

  it('answers without the handler when a middleware does not call next', async () => {
    const res = await invoke('chain.step.js', { body: { fail: true }, headers: {} })
    assert.deepEqual(res.r, { status: 401, body: { error: 'no auth' } })
  })

  it("reports the handler's error through the middleware", async () => {
    const res = await invoke('chain.step.js', { body: { fail: true }, headers: { auth: 'yes' } })
    assert.equal(res.ok, false)
    assert.equal(res.e.message, 'handler failed')
  })

  it('refuses a step whose middleware entry is not a function, naming the step and index', async () => {
    write('bad.step.js', "export const config = { type: 'api', name: 'Bad', method: 'GET', path: '/b', middleware: [async (r, c, n) => n(), 'auth'] }\nexport const handler = async () => ({ status: 200 })\n")
    const res = await load('bad.step.js')
    assert.equal(res.ok, false)
    assert.equal(res.e.name, 'ConfigError')
    assert.match(res.e.message, /bad\.step\.js: step 'Bad': middleware\[1\] is not a function \(a string\)/)
    write('single.step.js', "export const config = { type: 'api', name: 'One', method: 'GET', path: '/o', middleware: async () => null }\nexport const handler = async () => null\n")
    assert.match((await load('single.step.js')).e.message, /step 'One': middleware must be a list of functions, not a function/)
  })
})

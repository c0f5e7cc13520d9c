// Motia 1.0 configs made plain, and the 1.0 context helpers (runners/README.md,
// `load` and `invoke` with `trigger`), as Motia 1.0 defines them:
// motia-js/packages/motia/src/triggers.ts (the helpers' output), src/types.ts
// (TriggerConfig), src/new/build/utils.ts (flowContext: is, getData, match).

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { plainConfig } from '../src/config.mjs'
import { TRIGGER_MIDDLEWARE } from '../src/middleware.mjs'
import { HttpResponse, triggerCall, triggerContext } from '../src/triggers.mjs'

// Motia 1.0's helpers, as src/triggers.ts writes them (keys may be undefined).
const http = (method, path, options, condition) => ({ type: 'http', method, path, ...options, condition })
const queue = (topic, options, condition) => ({ type: 'queue', topic, ...options, condition })
const stream = (streamName, options) => ({ type: 'stream', streamName, groupId: options?.groupId, itemId: options?.itemId, condition: options?.condition })

async function configError(config) {
  try {
    await plainConfig(config, 'step')
  } catch (err) {
    assert.equal(err.name, 'ConfigError')
    return err.message
  }
  assert.fail('expected a ConfigError')
}

describe('a 1.0 config made plain', () => {
  it('converts schemas, names middleware, reports conditions as true and drops undefined keys', async () => {
    async function auth(_args, _ctx, next) {
      return next()
    }
    const plain = await plainConfig(
      {
        name: 'Orders',
        triggers: [
          http('POST', '/orders', { bodySchema: z.object({ id: z.string() }), responseSchema: { 200: z.object({ ok: z.boolean() }) }, middleware: [auth] }),
          queue('order.created', { input: z.object({ n: z.number() }), config: { maxRetries: 1 } }, () => true),
          stream('chat'),
        ],
        enqueues: ['a'],
      },
      'step',
    )
    const [h, q, s] = plain.triggers
    assert.equal(h.bodySchema.type, 'object')
    assert.deepEqual(h.bodySchema.required, ['id'])
    assert.equal(h.responseSchema[200].properties.ok.type, 'boolean')
    assert.deepEqual(h.middleware, ['auth'])
    assert.ok(!('condition' in h))
    assert.equal(q.condition, true)
    assert.equal(q.input.properties.n.type, 'number')
    assert.deepEqual(q.config, { maxRetries: 1 })
    assert.deepEqual(s, { type: 'stream', streamName: 'chat' })
    assert.deepEqual(plain.enqueues, ['a'])
  })

  it('names the step, the trigger and the field of what cannot be made plain', async () => {
    assert.match(await configError({ name: 'S', triggers: 'http' }), /step 'S': triggers must be a list of triggers \(found string\)/)
    assert.match(await configError({ name: 'S', triggers: [null] }), /step 'S': triggers\[0\] is not a map \(null\)/)
    assert.match(await configError({ name: 'S', triggers: [{ type: 'queue', topic: 't', condition: 1 }] }), /step 'S': triggers\[0\]\.condition is not a function/)
    assert.match(
      await configError({ name: 'S', triggers: [queue('t'), http('GET', '/x', { middleware: [() => {}, 'auth'] })] }),
      /step 'S': triggers\[1\]\.middleware\[1\] is not a function/,
    )
  })
})

describe('the 1.0 context', () => {
  const logger = { warn() {} }

  it('is, getData and match follow the trigger', async () => {
    const input = { request: { body: { a: 1 } }, response: {} }
    const ctx = triggerContext({ type: 'http', index: 0 }, input, logger)
    assert.equal(ctx.is.http(input), true)
    assert.equal(ctx.is.queue(input), false)
    assert.deepEqual(ctx.getData(), { a: 1 })
    assert.equal(await ctx.match({ http: async (args) => args.request.body.a + 1 }), 2)
    assert.equal(await ctx.match({ queue: async () => 'no', default: async () => 'default' }), 'default')

    const queued = triggerContext({ type: 'queue', index: 1, topic: 't' }, { n: 3 }, logger)
    assert.deepEqual(queued.getData(), { n: 3 })
    let got
    // A queue match answers undefined, whatever its handler returns (utils.ts).
    assert.equal(await queued.match({ queue: async (data) => ((got = data), 'ignored') }), undefined)
    assert.deepEqual(got, { n: 3 })
    const cron = triggerContext({ type: 'cron', index: 2 }, undefined, logger)
    assert.equal(cron.getData(), undefined)
    let ran = false
    assert.equal(await cron.match({ cron: async (...args) => void (ran = args.length === 0) }), undefined)
    assert.ok(ran)
  })

  it('match with no handler for the trigger throws as Motia does', async () => {
    const warned = []
    const ctx = triggerContext({ type: 'cron', index: 0 }, undefined, { warn: (msg) => warned.push(msg) })
    await assert.rejects(ctx.match({ http: async () => {}, queue: async () => {} }), {
      message: 'No handler matched for trigger type: cron. Available handlers: http, queue',
    })
    assert.deepEqual(warned, ['No handler matched for trigger type: cron'])
  })

  it('an http call gets {request, response}, the request fields too, and its trigger middleware', async () => {
    const order = []
    const handler = async (args) => (order.push('handler'), { status: 200, body: args.body })
    const functions = { handler, [TRIGGER_MIDDLEWARE]: [[], [async (args, _ctx, next) => (order.push('mw'), next())]] }
    const p = { trigger: { type: 'http', index: 1 }, input: { request: { body: 'b', method: 'GET' } } }
    const { fn, input, response } = triggerCall(functions, 'handler', p)
    assert.equal(input.request.body, 'b')
    assert.equal(input.body, 'b') // the older RC form
    assert.ok(input.response instanceof HttpResponse && response === input.response)
    assert.deepEqual(await fn(input, {}), { status: 200, body: 'b' })
    assert.deepEqual(order, ['mw', 'handler'])
    const condition = triggerCall({ 'condition:0': () => true }, 'condition:0', { trigger: { type: 'http', index: 0 }, input: { body: 1 } })
    assert.deepEqual(condition.input, { body: 1 }) // a condition gets the plain request
  })

  it('response.status and headers set what an empty return answers; stream is not built yet', () => {
    const response = new HttpResponse()
    assert.deepEqual(response.result(undefined), { status: 200, headers: {} })
    response.status(204)
    response.headers({ 'x-a': '1' })
    assert.deepEqual(response.result(undefined), { status: 204, headers: { 'x-a': '1' } })
    assert.deepEqual(response.result({ status: 200, body: 1, headers: { 'x-b': '2' } }), {
      status: 200,
      body: 1,
      headers: { 'x-a': '1', 'x-b': '2' },
    })
    assert.throws(() => response.stream.write('x'), { name: 'NotSupported', message: /response\.stream\.write\(\) is not yet supported/ })
    assert.throws(() => response.close(), { name: 'NotSupported' })
  })
})

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

  it('response.status and headers set what an empty return answers', () => {
    const response = new HttpResponse(fakeInvocation().invocation)
    assert.deepEqual(response.result(undefined), { status: 200, headers: {} })
    response.status(204)
    response.headers({ 'x-a': '1' })
    assert.deepEqual(response.result(undefined), { status: 204, headers: { 'x-a': '1' } })
    assert.deepEqual(response.result({ status: 200, body: 1, headers: { 'x-b': '2' } }), {
      status: 200,
      body: 1,
      headers: { 'x-a': '1', 'x-b': '2' },
    })
  })
})

// An invocation whose `response.write` calls are recorded and answered when `release` says.
function fakeInvocation() {
  const calls = []
  const held = []
  let holding = false
  const invocation = {
    iid: 7,
    call(method, params) {
      calls.push([method, params])
      if (!holding) return Promise.resolve(null)
      return new Promise((resolve, reject) => held.push({ resolve, reject }))
    },
  }
  const hold = (on) => (holding = on)
  const release = (err) => held.splice(0).forEach(({ resolve, reject }) => (err ? reject(err) : resolve(null)))
  return { invocation, calls, hold, release }
}

// Motia 1.0's SSE step (motia-js/playground/steps/api-steps/sse.step.ts) writes to
// `response.stream` and calls `response.close()`; types.ts types it NodeJS.WritableStream.
describe('response.stream', () => {
  it('sends the head with the first chunk, then chunks, then the end; its answer is the stream', async () => {
    const { invocation, calls } = fakeInvocation()
    const response = new HttpResponse(invocation)
    response.status(201)
    response.headers({ 'content-type': 'text/event-stream' })
    response.stream.write('event: a\n\n')
    response.stream.write(Buffer.from('b'))
    response.close()
    await response.settle(true)
    assert.deepEqual(
      calls.map(([m, p]) => [m, { ...p, data: p.data?.toString() }]),
      [
        ['response.write', { iid: 7, data: 'event: a\n\n', status: 201, headers: { 'content-type': 'text/event-stream' } }],
        ['response.write', { iid: 7, data: 'b' }],
        ['response.write', { iid: 7, end: true, data: undefined }],
      ],
    )
    assert.equal(response.result({ status: 200 }), null) // a return value after streaming is not the answer
  })

  it('holds writes back while the orchestrator has not taken the last: write() says false, then drain', async () => {
    const { invocation, calls, hold, release } = fakeInvocation()
    const response = new HttpResponse(invocation)
    hold(true)
    const big = Buffer.alloc(response.stream.writableHighWaterMark)
    assert.equal(response.stream.write(big), false)
    assert.equal(response.stream.write('queued'), false)
    assert.equal(calls.length, 1) // the second waits for the first to be taken
    const drained = new Promise((resolve) => response.stream.once('drain', resolve))
    hold(false)
    release()
    await drained
    assert.equal(calls.length, 2)
    assert.equal(calls[1][1].data.toString(), 'queued')
  })

  it('settles a stream left open by ending it before the invoke is answered', async () => {
    const { invocation, calls } = fakeInvocation()
    const response = new HttpResponse(invocation)
    response.stream.write('x')
    await response.settle(true)
    assert.deepEqual(calls.at(-1)[1], { iid: 7, end: true })
  })

  it('fails writes once the orchestrator refuses them or cancels the invocation', async () => {
    const { invocation, hold, release } = fakeInvocation()
    const response = new HttpResponse(invocation)
    hold(true)
    const failed = new Promise((resolve) => response.stream.write('a', resolve))
    const gone = Object.assign(new Error('the client disconnected; the response is over'), { name: 'StreamClosed' })
    release(gone)
    assert.equal((await failed).name, 'StreamClosed')
    assert.ok(response.stream.destroyed)
    const cancelled = new HttpResponse(invocation)
    cancelled.abort()
    const later = await new Promise((resolve) => cancelled.stream.write('b', resolve))
    assert.equal(later.code, 'ERR_STREAM_DESTROYED')
  })
})

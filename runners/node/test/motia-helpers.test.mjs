// The `motia` module's pure helpers return what Motia 1.0's do: the trigger
// helpers and guards (motia-js/packages/motia/src/triggers.ts, guards.ts), step()
// (src/step.ts), multiTriggerStep() (src/multi-trigger.ts) and jsonSchema()
// (src/types.ts: z.toJSONSchema with target draft-7); and the 0.17 values a project
// imports at runtime (packages/core/index.ts at v0.17.14-beta.196).

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { z as z3 } from 'zod3'
import * as motia from '../src/motia/index.mjs'

const when = () => true

describe("the 'motia' module's helpers", () => {
  it('builds triggers as Motia does, the condition key always present', () => {
    const body = z.object({ a: z.string() })
    const mw = async (_req, _ctx, next) => next()
    assert.deepEqual(motia.http('POST', '/x', { bodySchema: body, middleware: [mw] }, when), {
      type: 'http',
      method: 'POST',
      path: '/x',
      bodySchema: body,
      middleware: [mw],
      condition: when,
    })
    assert.deepEqual(motia.api('GET', '/y'), { type: 'http', method: 'GET', path: '/y', condition: undefined })
    assert.deepEqual(motia.queue('t', { input: body, config: { maxRetries: 2 } }), {
      type: 'queue',
      topic: 't',
      input: body,
      config: { maxRetries: 2 },
      condition: undefined,
    })
    assert.deepEqual(motia.cron('0 * * * * * *', when), { type: 'cron', expression: '0 * * * * * *', condition: when })
    assert.deepEqual(motia.cron('0 * * * * *', {}, when), { type: 'cron', expression: '0 * * * * *', condition: when })
    assert.deepEqual(motia.state(when), { type: 'state', condition: when })
    assert.deepEqual(motia.stream('chat', when), { type: 'stream', streamName: 'chat', condition: when })
    assert.deepEqual(motia.stream('chat', { groupId: 'g' }, when), {
      type: 'stream',
      streamName: 'chat',
      groupId: 'g',
      itemId: undefined,
      condition: when,
    })
  })

  it('finds triggers by kind', () => {
    const step = { config: { triggers: [motia.http('GET', '/a'), motia.queue('t'), motia.cron('* * * * *')] } }
    assert.equal(motia.isApiTrigger(step.config.triggers[0]), true)
    assert.equal(motia.isQueueTrigger(step.config.triggers[0]), false)
    assert.deepEqual(motia.getQueueTriggers(step), [step.config.triggers[1]])
    assert.deepEqual(motia.getStateTriggers(step), [])
    assert.equal(motia.isApiStep({ config: { type: 'api' } }), true)
    assert.equal(motia.defineConfig({ plugins: [] }).plugins.length, 0)
  })

  it('puts a config and its handler together with step()', () => {
    const config = { name: 'S', triggers: [motia.queue('t')] }
    const handler = async () => {}
    assert.deepEqual(motia.step(config, handler), { config, handler })
    assert.deepEqual(motia.step(config).handle(handler), { config, handler })
  })

  it('routes a multiTriggerStep by the trigger type, and names what is missing', async () => {
    const { config, handler } = motia
      .multiTriggerStep({ name: 'M', triggers: [] })
      .onQueue(async (input) => ['queue', input])
      .onCron(async (ctx) => ['cron', ctx.trigger.type])
      .handlers()
    assert.equal(config.name, 'M')
    assert.deepEqual(await handler({ n: 1 }, { trigger: { type: 'queue' } }), ['queue', { n: 1 }])
    assert.deepEqual(await handler(undefined, { trigger: { type: 'cron' } }), ['cron', 'cron'])
    const warned = []
    const ctx = { trigger: { type: 'http' }, logger: { warn: (msg) => warned.push(msg) } }
    await assert.rejects(handler({}, ctx), /No handler defined for trigger type: http\. Available handlers: queue, cron/)
    assert.deepEqual(warned, ['No handler defined for trigger type: http'])
  })

  it('turns a zod schema (4, or a project’s 3) into JSON Schema draft 7', () => {
    const schema = motia.jsonSchema(z.object({ name: z.string(), n: z.number().optional() }))
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#')
    assert.deepEqual(schema.required, ['name'])
    assert.deepEqual(motia.jsonSchema(z3.object({ name: z3.string() })).required, ['name'])
    assert.throws(() => motia.jsonSchema({ type: 'object' }), /jsonSchema\(\) takes a zod schema/)
  })
})

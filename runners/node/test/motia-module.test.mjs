// The `motia` module step files import (src/motia/), through the real runner: Motia
// 1.0's runtime values (motia-js/packages/motia/src/index.ts; src/new/enqueue.ts,
// logger.ts, state.ts and stream.ts call its engine for the handler running now)
// resolve to Steppe's own, bound to the current invocation, in ESM, CommonJS and
// TypeScript files and the project files they import, even with a `motia` package
// installed in the project (the real 1.0 needs Motia's engine: here a fake that
// must not win).

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expectError, expectOk, startRunner } from './harness.mjs'

const CTX = { traceId: 'trace-1', step: 'Test', flows: ['tests'] }

const FILES = {
  'package.json': JSON.stringify({ type: 'module' }),
  // What would win without Steppe's resolution: ESM and CommonJS entries.
  'node_modules/motia/package.json': JSON.stringify({
    name: 'motia',
    exports: { import: './index.js', require: './index.cjs' },
  }),
  'node_modules/motia/index.js': "export const FAKE = true\nexport const logger = 'fake'\n",
  'node_modules/motia/index.cjs': "exports.FAKE = true\nexports.logger = 'fake'\n",
  // ESM JavaScript; a logger call while the file loads is tied to the file.
  'steps/esm.step.js': `
import * as motia from 'motia'
import { enqueue, logger, stateManager } from 'motia'
import { notify } from './lib/notify.ts'
globalThis.esmMotia = motia
logger.info('loading', { file: 'esm' })
export const config = { type: 'event', name: 'Esm', subscribes: ['in'], emits: ['out'] }
export const handler = async (input) => {
  const before = await stateManager.get('counts', input.key)
  logger.info('counted', { key: input.key, before })
  await enqueue({ topic: 'out', data: { key: input.key } })
  await notify(input.key)
  return { key: input.key, before, fake: 'FAKE' in motia }
}
`,
  // A project helper (TypeScript) that imports the module too.
  'steps/lib/notify.ts': `
import { enqueue } from 'motia'
export async function notify(key: string): Promise<void> {
  await enqueue({ topic: 'notified', data: { key } })
}
`,
  // CommonJS JavaScript: require gives the same instance as import.
  'steps/common.step.cjs': `
const motia = require('motia')
const { stateManager, logger } = motia
exports.config = { type: 'event', name: 'Common', subscribes: ['in'], emits: [] }
exports.handler = async (input) => {
  await stateManager.set('counts', input.key, 1)
  logger.warn('set', { key: input.key })
  return { fake: 'FAKE' in motia, same: motia === globalThis.esmMotia, resolved: require.resolve('motia') }
}
`,
  // TypeScript, ESM (the project is "type": "module"), with 1.0's Stream and types.
  'steps/typed.step.ts': `
import { Stream, logger, type Handlers, type StreamConfig } from 'motia'
import { z } from 'zod'
const config_: StreamConfig = { name: 'chat', schema: z.object({ text: z.string() }), baseConfig: { storageType: 'default' } }
const chat = new Stream(config_)
export const config = { type: 'event', name: 'Typed', subscribes: ['in'], emits: [] }
export const handler = async (input: { key: string }) => {
  const item = await chat.set('room', input.key, { text: 'hi' })
  await chat.send({ groupId: 'room' }, { type: 'typing', data: {} })
  logger.debug('sent', item)
  return { item, name: chat.config.name }
}
`,
  // TypeScript as CommonJS (no "type": "module" above it), imported from an ESM step.
  'steps/cts/package.json': JSON.stringify({ name: 'cts' }),
  'steps/cts/helper.ts': `
import { stateManager } from 'motia'
export const groups = () => stateManager.listGroups()
export const required = require('motia') === require('motia')
`,
  'steps/cts/legacy.step.ts': `
import { logger, enqueue } from 'motia'
export const config = { type: 'event', name: 'Legacy', subscribes: ['in'], emits: ['out'] }
export const handler = async (input: { key: string }) => {
  logger.info('legacy', input)
  await enqueue({ topic: 'out', data: input })
  return 'ok'
}
`,
  'steps/imports-cts.step.ts': `
import { groups, required } from './cts/helper'
export const config = { type: 'event', name: 'ImportsCts', subscribes: ['in'], emits: [] }
export const handler = async () => ({ groups: await groups(), required })
`,
  // Calls made while the file loads, outside any handler.
  'steps/outside.step.js': `
import { enqueue } from 'motia'
await enqueue({ topic: 'out', data: {} })
export const config = { type: 'noop', name: 'Outside' }
`,
  'steps/outside-state.step.js': `
import { stateManager, Stream } from 'motia'
const errors = []
await stateManager.set('g', 'k', 1).catch((err) => errors.push(err.message))
await new Stream({ name: 'chat' }).get('room', '1').catch((err) => errors.push(err.message))
export const config = { type: 'noop', name: 'OutsideState', errors }
`,
}

function makeProject(files) {
  const dir = mkdtempSync(join(tmpdir(), 'steppe-motia-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

describe("the 'motia' module", { timeout: 30_000 }, () => {
  let dir
  let runner
  let iid = 0
  const step = (name) => join(dir, 'steps', name)
  const load = (name) => runner.request('load', { path: step(name), kind: 'step' })
  const invoke = (name, input) => runner.request('invoke', { iid: ++iid, path: step(name), ctx: CTX, input })
  const sent = (id) => runner.requests.filter((r) => r.p.iid === id).map(({ m, p }) => [m, p])

  before(async () => {
    dir = makeProject(FILES)
    runner = await startRunner(dir)
    const replaced = (p) => ({ new_value: { ...p.data, id: p.id }, old_value: null })
    runner.answer = (m, p) => ({ ok: true, r: m === 'state.get' ? 7 : m === 'streams.replace' ? replaced(p) : null })
  })

  after(async () => {
    await runner.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('resolves to Steppe in ESM JavaScript and the project files it imports, not to the installed package', async () => {
    const { deps } = expectOk(await load('esm.step.js'))
    assert.deepEqual(deps, [step('lib/notify.ts')]) // the module is not a project file
    const loading = await runner.note((n) => n.m === 'log' && n.p.path === step('esm.step.js'))
    assert.deepEqual(loading.p, { path: step('esm.step.js'), level: 'info', msg: 'loading', fields: { file: 'esm' }, source: 'logger' })
    const id = iid + 1
    const result = expectOk(await invoke('esm.step.js', { key: 'a' }))
    assert.deepEqual(result, { key: 'a', before: 7, fake: false })
    assert.deepEqual(sent(id), [
      ['state.get', { iid: id, group: 'counts', key: 'a' }],
      ['emit', { iid: id, topic: 'out', data: { key: 'a' } }],
      ['emit', { iid: id, topic: 'notified', data: { key: 'a' } }],
    ])
    const log = await runner.note((n) => n.m === 'log' && n.p.iid === id)
    assert.deepEqual(log.p, { iid: id, level: 'info', msg: 'counted', fields: { key: 'a', before: 7 }, source: 'logger' })
  })

  it('gives require() the same instance, with no cache entry or dep of its own', async () => {
    const { deps } = expectOk(await load('common.step.cjs'))
    assert.deepEqual(deps, [])
    const id = iid + 1
    const result = expectOk(await invoke('common.step.cjs', { key: 'b' }))
    assert.deepEqual(result, { fake: false, same: true, resolved: result.resolved })
    assert.match(result.resolved, /runners\/node\/src\/motia\/index\.cjs$/)
    // 1.0's stateManager.set answers {new_value, old_value}: the orchestrator's state.replace.
    assert.deepEqual(sent(id), [['state.replace', { iid: id, group: 'counts', key: 'b', value: 1 }]])
    const log = await runner.note((n) => n.m === 'log' && n.p.iid === id)
    assert.deepEqual([log.p.level, log.p.msg, log.p.fields], ['warn', 'set', { key: 'b' }])
  })

  it('stays one instance when a reload starts a new generation', async () => {
    const before = await runner.request('invoke', { iid: ++iid, path: step('common.step.cjs'), ctx: CTX, input: { key: 'r' } })
    assert.equal(expectOk(before).same, true)
    expectOk(await load('esm.step.js')) // a second load: a new generation, esm.step.js evaluated again
    expectOk(await load('common.step.cjs'))
    assert.equal(expectOk(await invoke('common.step.cjs', { key: 'r' })).same, true)
  })

  it('serves TypeScript, ESM and CommonJS, and a Stream declared as a value', async () => {
    expectOk(await load('typed.step.ts'))
    let id = iid + 1
    const item = { new_value: { text: 'hi', id: 'c' }, old_value: null }
    assert.deepEqual(expectOk(await invoke('typed.step.ts', { key: 'c' })), { item, name: 'chat' })
    assert.deepEqual(sent(id), [
      ['streams.replace', { iid: id, stream: 'chat', groupId: 'room', id: 'c', data: { text: 'hi' } }],
      ['streams.send', { iid: id, stream: 'chat', channel: { groupId: 'room' }, event: { type: 'typing', data: {} } }],
    ])
    expectOk(await load('cts/legacy.step.ts'))
    id = iid + 1
    assert.equal(expectOk(await invoke('cts/legacy.step.ts', { key: 'd' })), 'ok')
    assert.deepEqual(sent(id), [['emit', { iid: id, topic: 'out', data: { key: 'd' } }]])
    assert.deepEqual(expectOk(await load('imports-cts.step.ts')).deps, [step('cts/helper.ts')])
    id = iid + 1
    assert.deepEqual(expectOk(await invoke('imports-cts.step.ts', {})), { groups: null, required: true })
    assert.deepEqual(sent(id), [['state.listGroups', { iid: id }]])
  })

  it('binds every call to its own invocation when two interleave', async () => {
    const held = []
    runner.answer = (m, p) => (m === 'state.get' ? new Promise((resolve) => held.push({ p, resolve })) : { ok: true, r: null })
    const first = iid + 1
    const a = invoke('esm.step.js', { key: 'first' })
    const b = invoke('esm.step.js', { key: 'second' })
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    // The second is answered first, so its handler runs on while the first waits.
    held[1].resolve({ ok: true, r: 2 })
    assert.equal(expectOk(await b).before, 2)
    held[0].resolve({ ok: true, r: 1 })
    assert.equal(expectOk(await a).before, 1)
    for (const [id, key] of [
      [first, 'first'],
      [first + 1, 'second'],
    ]) {
      assert.deepEqual(
        sent(id).filter(([m]) => m === 'emit').map(([, p]) => p.data.key),
        [key, key],
      )
      const log = await runner.note((n) => n.m === 'log' && n.p.iid === id)
      assert.equal(log.p.fields.key, key)
    }
  })

  it('refuses enqueue, state and stream calls outside a handler, naming the call', async () => {
    const error = expectError(await load('outside.step.js'))
    assert.match(error.message, /outside\.step\.js:3: enqueue\(\) was called outside a step handler: call it from a handler/)
    const { config } = expectOk(await load('outside-state.step.js'))
    assert.match(config.errors[0], /^stateManager\.set\(\) was called outside a step handler/)
    assert.match(config.errors[1], /^the "chat" stream's get\(\) was called outside a step handler/)
  })
})

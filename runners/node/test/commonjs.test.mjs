// TypeScript in a CommonJS package (fixtures/commonjs: a package.json without
// "type": "module"), through the real runner: `require`, `module.exports`,
// `exports.x`, `__dirname` and `__filename` work as under ts-node, which ran
// Motia's TypeScript as CommonJS up to 0.13 (packages/core/src/node/node-runner.ts
// at v0.13.0-beta.160: `require('ts-node').register({ compilerOptions: { module:
// 'commonjs' } })`, then `require(filePath)`); ESM-syntax files keep working,
// and what only ESM has keeps a file ESM.

import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { copyFixture, expectError, expectOk, SRC, startRunner } from './harness.mjs'

const CTX = { traceId: 'trace-1', step: 'Test', flows: ['tests'] }

describe('TypeScript in a CommonJS package', { timeout: 30_000 }, () => {
  let fixture
  let runner
  let iid = 0
  const step = (name) => join(fixture.dir, 'steps', name)
  const load = (name) => runner.request('load', { path: step(name), kind: 'step' })
  const invoke = (name, input) => runner.request('invoke', { iid: ++iid, path: step(name), ctx: CTX, input })

  before(async () => {
    fixture = copyFixture('commonjs')
    runner = await startRunner(fixture.dir)
  })

  after(async () => {
    await runner.close()
    fixture.remove()
  })

  // First, so that the helpers are imported before any step requires them.
  it('keeps a file with top-level await ESM, importing CommonJS helpers by name', async () => {
    const { config, deps } = expectOk(await load('awaits.step.ts'))
    assert.equal(config.greeting, 'HELLO AWAIT!')
    assert.equal(config.requireType, 'undefined')
    assert.equal(config.folder, step(''))
    assert.deepEqual(deps.sort(), [step('lib/helper.ts'), step('lib/shout.ts')])
  })

  it('gives a step require, module, __dirname and __filename, and reports the files it requires', async () => {
    const { config, deps } = expectOk(await load('requires.step.ts'))
    assert.equal(config.words, 'read through __dirname')
    assert.equal(config.file, step('requires.step.ts'))
    assert.equal(config.moduleType, 'object')
    assert.equal(config.helperVersion, 1)
    assert.deepEqual(deps.sort(), [step('lib/helper.ts'), step('lib/shout.ts')])
    assert.equal(expectOk(await invoke('requires.step.ts', { name: 'ada' })), 'HELLO ADA!')
  })

  it('imports a module.exports helper by name and as a default, with zod and types erased', async () => {
    const { config, deps } = expectOk(await load('imports.step.ts'))
    assert.deepEqual(config.input.required, ['name'])
    assert.equal(config.sameHelper, true)
    assert.deepEqual(deps.sort(), [step('lib/helper.ts'), step('lib/shout.ts')])
    assert.equal(expectOk(await invoke('imports.step.ts', { name: 'bo' })), 'HELLO BO!')
  })

  it('loads a step written with exports.x', async () => {
    assert.deepEqual(expectOk(await load('exports.step.ts')).handlers, ['handler'])
    assert.equal(expectOk(await invoke('exports.step.ts', { n: 21 })), 42)
  })

  it('keeps TypeScript ESM under a "type": "module" package.json', async () => {
    const { config } = expectOk(await load('esm/esm.step.ts'))
    assert.deepEqual([config.greeting, config.requireType], ['HELLO ESM!', 'undefined'])
    const error = expectError(await load('requires-esm.step.ts'))
    assert.match(error.message, /require\(\) of ES module .*esm\.step\.ts: .*import it instead/)
    assert.equal(error.line, 1)
  })

  it('reports syntax errors, missing packages and thrown errors at .ts lines', async () => {
    const syntax = expectError(await load('broken.step.ts'))
    assert.equal(syntax.name, 'SyntaxError')
    assert.equal(syntax.line, 5)
    assert.ok(syntax.message.startsWith(`${step('broken.step.ts')}:5: `), syntax.message)
    const missing = expectError(await load('missing-package.step.ts'))
    assert.equal(missing.line, 2)
    assert.match(missing.message, /Cannot find module 'no-such-package'\nRequire stack:\n- .*missing-package\.step\.ts$/)
    assert.ok(!`${missing.message}${missing.stack}`.includes(SRC), 'the runner is not the author\'s')
    expectOk(await load('throws.step.ts'))
    const thrown = expectError(await invoke('throws.step.ts', { reason: 'no' }))
    assert.equal(thrown.name, 'RangeError')
    assert.ok(thrown.stack.includes(`${step('throws.step.ts')}:6:`), thrown.stack)
  })

  it('re-requires an edited helper when its step loads again', async () => {
    expectOk(await load('requires.step.ts'))
    const helper = step('lib/helper.ts')
    writeFileSync(helper, readFileSync(helper, 'utf8').replace('VERSION: 1', 'VERSION: 2'))
    writeFileSync(step('lib/shout.ts'), 'export const shout = (text: string): string => `${text}?`\n')
    assert.equal(expectOk(await load('requires.step.ts')).config.helperVersion, 2)
    assert.equal(expectOk(await invoke('requires.step.ts', { name: 'cy' })), 'hello cy?')
  })
})

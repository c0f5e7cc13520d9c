// The real runner as a child process, with this test playing the orchestrator
// (runners/README.md): loading, invoking, the context's calls back, printed
// output, errors, reloading, and the process's life cycle.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { copyFixture, expectError, expectOk, framed, Peer, SRC, startRunner } from './harness.mjs'

const CTX = { traceId: 'trace-1', step: 'Test', flows: ['tests'] }
// A runner that corrupts its protocol leaves the test waiting for an answer.
const TIMEOUT = { timeout: 30_000 }

// An API step with three middleware: answers early, changes the request, the response (see 'middleware').
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

describe('runner', TIMEOUT, () => {
  let fixture
  let runner
  let iid = 0
  const step = (name) => join(fixture.dir, 'steps', name)
  const load = (name, kind = 'step') => runner.request('load', { path: step(name), kind })
  const invoke = (name, params = {}) => runner.request('invoke', { iid: ++iid, path: step(name), ctx: CTX, ...params })

  before(async () => {
    fixture = copyFixture()
    runner = await startRunner(fixture.dir)
  })

  after(async () => {
    await runner.close()
    fixture.remove()
  })

  describe('start-up', () => {
    it('says ready with its language, pid, runtime and protocol version', async () => {
      const ready = await runner.ready()
      const schema = JSON.parse(readFileSync(new URL('../../../schemas/protocol.schema.json', import.meta.url), 'utf8'))
      assert.deepEqual(ready.p, {
        language: 'node',
        pid: runner.child.pid,
        runtime: `node ${process.version}`,
        protocol: schema.protocolVersion,
      })
    })

    it('answers ping with its parameters and refuses unknown methods', async () => {
      assert.deepEqual(expectOk(await runner.request('ping', { n: 2 ** 40, s: 'x' })), { n: 2 ** 40, s: 'x' })
      assert.equal(expectError(await runner.request('reticulate', {})).name, 'UnknownMethod')
    })

    it('answers a request it cannot decode with BadFrame and keeps serving (issue 15)', async () => {
      // {t:'req', id: 42, m:'ping'} announcing a fourth member, p, that never comes: the
      // length bounds the frame, the head gives the id.
      const body = Buffer.from('84a174a3726571a269642aa16da470696e67', 'hex')
      const answered = runner.response(42)
      runner.child.stdin.write(framed(body))
      const error = expectError(await answered)
      assert.equal(error.name, 'BadFrame')
      assert.match(error.message, /request 42 \(ping\)/)
      assert.deepEqual(expectOk(await runner.request('ping', 'still here')), 'still here')
      assert.equal(runner.child.exitCode, null)
    })
  })

  describe('load', () => {
    it('converts zod schemas of a TypeScript API step to JSON Schema', async () => {
      const { config, handlers, deps } = expectOk(await load('create-order.step.ts'))
      assert.deepEqual(handlers, ['handler'])
      assert.deepEqual(deps, [])
      assert.equal(config.name, 'CreateOrder')
      assert.equal(config.bodySchema.type, 'object')
      assert.deepEqual(config.bodySchema.properties.productId, { type: 'string' })
      // Input side: a field with a default is optional to the sender.
      assert.deepEqual(config.bodySchema.required, ['productId'])
      assert.deepEqual(config.responseSchema['201'].required, ['id', 'createdAt'])
      // Plain JSON Schema passes through unchanged.
      assert.deepEqual(config.responseSchema['400'], { type: 'object', properties: { error: { type: 'string' } } })
    })

    it("erases imports of types from 'motia', which does not exist", async () => {
      const { config } = expectOk(await load('typed.step.ts'))
      assert.deepEqual(config.input, { id: 'string', amount: 'number' }) // the seed's shorthand, unchanged
      assert.equal(config.folder, join(fixture.dir, 'steps')) // __dirname, as under Motia's CommonJS build
      assert.deepEqual(expectOk(await invoke('typed.step.ts', { input: { id: 'p', amount: 21 } })), { id: 'p', doubled: 42 })
    })

    it("converts a stream config's schema", async () => {
      const { config, handlers } = expectOk(await load('chat-messages.stream.ts', 'stream'))
      assert.deepEqual(handlers, [])
      assert.deepEqual(config.schema.properties.type, { type: 'string', enum: ['token', 'complete', 'error'] })
      assert.deepEqual(config.baseConfig, { storageType: 'default', ttl: 3600, maxItems: 100 })
    })

    it('loads .js in ESM syntax, and in CommonJS syntax inside a "type": "module" project', async () => {
      expectOk(await load('esm.step.js'))
      assert.deepEqual(expectOk(await invoke('esm.step.js', { input: { n: 1 } })), { syntax: 'esm', n: 2, flows: ['tests'] })
      const cjs = expectOk(await load('cjs.step.js'))
      assert.deepEqual(cjs.deps, [step('lib/math.cjs')])
      assert.deepEqual(expectOk(await invoke('cjs.step.js', { input: { n: 4 } })), { syntax: 'commonjs', n: 8 })
    })

    it('loads an ESM-syntax .js inside a "type": "commonjs" folder', async () => {
      assert.equal(expectOk(await load('legacy/esm-in-commonjs.step.js')).config.type, 'noop')
    })

    it('loads .mjs and .cjs, and lists canAccess among the handlers', async () => {
      assert.deepEqual(expectOk(await load('module.step.mjs')).handlers, ['handler'])
      assert.deepEqual(expectOk(await load('common.step.cjs')).handlers, ['handler', 'canAccess'])
    })

    it('resolves TypeScript-style imports of helper modules and reports them as deps', async () => {
      const { config, deps } = expectOk(await load('uses-helper.step.ts'))
      assert.deepEqual(deps.sort(), [step('lib/greet.ts'), step('lib/shout.ts')])
      assert.deepEqual(config.input.required, ['name'])
      assert.equal(config.helperVersion, 1)
      assert.deepEqual(expectOk(await invoke('uses-helper.step.ts', { input: { name: 'ada' } })), {
        greeting: 'HELLO ADA!',
        version: 1,
      })
    })

    it("lets CommonJS require the runner's zod when the project has none", async () => {
      const { config } = expectOk(await load('zod-cjs.step.cjs'))
      assert.deepEqual(config.bodySchema.required, ['email'])
    })

    it('reports syntax errors with the file and line', async () => {
      for (const [name, line] of [
        ['syntax-error.step.ts', 4],
        ['syntax-error.step.mjs', 5],
        ['syntax-error.step.cjs', 4],
      ]) {
        const error = expectError(await load(name))
        assert.equal(error.name, 'SyntaxError', name)
        assert.equal(error.line, line, name)
        assert.ok(error.message.startsWith(`${step(name)}:${line}: `), error.message)
        assert.ok(error.stack.includes(`${step(name)}:${line}`), error.stack)
      }
    })

    it('reports an import that cannot be found with its line', async () => {
      const error = expectError(await load('missing-import.step.ts'))
      assert.equal(error.line, 3)
      assert.match(error.message, /steppe-no-such-package/)
    })

    it('refuses a file without a config, or whose config is not a map', async () => {
      const missing = expectError(await load('no-config.step.js'))
      assert.equal(missing.name, 'ConfigError')
      assert.match(missing.message, /no-config\.step\.js: .*config/)
      writeFileSync(step('list-config.step.ts'), 'export const config = [1, 2]\n')
      assert.equal(expectError(await load('list-config.step.ts')).name, 'ConfigError')
    })

    it('reports a file that does not exist', async () => {
      assert.match(expectError(await load('nowhere.step.ts')).message, /nowhere\.step\.ts/)
    })

  })

  describe('invoke', () => {
    before(async () => {
      for (const name of ['slow.step.ts', 'prints.step.ts', 'throws.step.ts', 'bigint.step.js', 'cancellable.step.ts']) {
        expectOk(await load(name))
      }
      expectOk(await load('create-order.step.ts'))
    })

    it('serves the context: state, emit, streams and logger calls carry the iid', async () => {
      runner.requests.length = 0
      runner.answer = (m, p) => ({ ok: true, r: m === 'state.set' ? p.value : null })
      const res = await invoke('create-order.step.ts', { input: { body: { productId: 'p1', quantity: 2 } } })
      const order = { id: 'order-p1', productId: 'p1', quantity: 2, createdAt: '1970-01-01T00:00:00.000Z' }
      assert.deepEqual(expectOk(res), { status: 201, body: { order, stored: order, previous: null } })
      assert.deepEqual(
        runner.requests.map(({ m, p }) => [m, p]),
        [
          ['state.set', { iid, group: 'orders', key: 'order-p1', value: order }],
          ['emit', { iid, topic: 'order.created', data: order }],
          ['streams.set', { iid, stream: 'chat-messages', groupId: 'user:order-p1', id: 'm1', data: { text: 'hi' } }],
          ['state.get', { iid, group: 'orders', key: 'missing' }],
        ],
      )
      const log = await runner.note((n) => n.m === 'log' && n.p.iid === iid)
      assert.deepEqual(log.p, {
        iid,
        level: 'info',
        msg: 'order created',
        fields: { orderId: 'order-p1', traceId: 'trace-1' },
        source: 'logger',
      })
    })

    it('runs many invocations at once and matches each answer to its call', async () => {
      const asked = []
      runner.answer = (m, p) => {
        asked.push(p)
        return new Promise(() => {}) // answered below, in reverse order
      }
      const first = iid + 1
      const results = Array.from({ length: 50 }, (_, i) => invoke('slow.step.ts', { input: { key: `k${i}` } }))
      while (asked.length < 50) await new Promise((resolve) => setTimeout(resolve, 5))
      const callIds = runner.requests.slice(-50).map((r) => r.id)
      assert.deepEqual(
        asked.map((p) => p.iid),
        Array.from({ length: 50 }, (_, i) => first + i),
      )
      for (const [i, id] of [...callIds.entries()].reverse()) {
        runner.send({ t: 'res', id, ok: true, r: `value of ${asked[i].key}` })
      }
      for (const [i, res] of (await Promise.all(results)).entries()) {
        assert.deepEqual(expectOk(res), { key: `k${i}`, value: `value of k${i}` })
      }
    })

    it('raises an error answer inside the handler with its name and message', async () => {
      runner.answer = () => ({ ok: false, e: { name: 'StateUnavailable', message: 'the store is down' } })
      const error = expectError(await invoke('slow.step.ts', { input: { key: 'x' } }))
      assert.equal(error.name, 'StateUnavailable')
      assert.equal(error.message, 'the store is down')
      assert.match(error.stack, /slow\.step\.ts:7/)
    })

    it('calls a cron handler with the context alone, and canAccess when asked', async () => {
      expectOk(await load('module.step.mjs'))
      assert.deepEqual(expectOk(await invoke('module.step.mjs')), { cron: true, traceId: 'trace-1' })
      expectOk(await load('common.step.cjs'))
      const access = { subscription: { groupId: 'g' }, authContext: { user: 'admin' } }
      assert.equal(expectOk(await invoke('common.step.cjs', { fn: 'canAccess', input: access })), true)
      assert.equal(expectError(await invoke('common.step.cjs', { fn: 'constructor', input: {} })).name, 'NoSuchFunction')
      assert.equal(expectError(await invoke('never-loaded.step.ts', { input: {} })).name, 'NotLoaded')
    })

    it("calls a stream's canAccess from its config with (subscription, authContext)", async () => {
      const { handlers } = expectOk(await load('guarded.stream.ts', 'stream'))
      assert.deepEqual(handlers, ['canAccess'])
      const ask = (groupId, token) =>
        invoke('guarded.stream.ts', { fn: 'canAccess', input: { subscription: { groupId }, authContext: { token } } })
      assert.equal(expectOk(await ask('room-1', 'secret')), true)
      assert.equal(expectOk(await ask('room-1', 'wrong')), false)
      assert.equal(expectOk(await ask('room-2', 'secret')), false)
    })

    it("calls a 1.0 stream's onJoin/onLeave with (subscription, context, authContext), its config from a Stream object", async () => {
      const { config, handlers } = expectOk(await load('hooks.stream.ts', 'stream'))
      assert.equal(config.name, 'hooks')
      assert.deepEqual(handlers, ['onJoin', 'onLeave'])
      const join = (user) =>
        invoke('hooks.stream.ts', { fn: 'onJoin', input: { subscription: { groupId: 'g' }, authContext: { user } } })
      assert.deepEqual(expectOk(await join('ann')), { unauthorized: false, groupId: 'g', traceId: CTX.traceId })
      assert.equal(expectOk(await join('bob')).unauthorized, true)
      assert.equal(expectOk(await invoke('hooks.stream.ts', { fn: 'onLeave', input: { subscription: {} } })), null)
    })

    it('loads motia.config.ts as kind config: no config, authenticateStream called (input, context)', async () => {
      assert.deepEqual(expectOk(await load('motia.config.ts', 'config')), { config: {}, handlers: ['authenticateStream'], deps: [] })
      const result = expectOk(await invoke('motia.config.ts', { fn: 'authenticateStream', input: { path: '/' } }))
      assert.deepEqual(result, { context: { path: '/', traceId: CTX.traceId } })
    })

    it('reports a thrown error with a stack pointing at the .ts lines', async () => {
      const declined = expectError(await invoke('throws.step.ts', { input: { reason: 'card' } }))
      assert.equal(declined.name, 'PaymentDeclined')
      assert.equal(declined.message, 'declined: card')
      assert.match(declined.stack, new RegExp(`^PaymentDeclined: declined: card\\n\\s+at .*${step('throws.step.ts')}:10:`))
      const typeError = expectError(await invoke('throws.step.ts', { input: { reason: 'type' } }))
      assert.equal(typeError.name, 'TypeError')
      assert.ok(typeError.stack.includes(`${step('throws.step.ts')}:9:`), typeError.stack)
      assert.ok(!typeError.stack.includes('?steppe='), typeError.stack)
    })

    it('refuses a return value that cannot be serialised', async () => {
      const error = expectError(await invoke('bigint.step.js', { input: {} }))
      assert.equal(error.name, 'SerializationError')
      assert.match(error.message, /BigInt at the return value\.total/)
    })

    it('turns printed text into log notes, never into protocol bytes', async () => {
      const loading = await runner.note((n) => n.m === 'log' && n.p.path === step('prints.step.ts'))
      assert.deepEqual(loading.p, { path: step('prints.step.ts'), level: 'info', msg: 'loading prints', source: 'stdout' })
      const [a, b] = [iid + 1, iid + 2]
      const results = await Promise.all([invoke('prints.step.ts', { input: { tag: 'A' } }), invoke('prints.step.ts', { input: { tag: 'B' } })])
      assert.deepEqual(results.map(expectOk), [{ printed: 'A' }, { printed: 'B' }])
      const printed = (id) =>
        runner.notes.filter((n) => n.m === 'log' && n.p.iid === id).map(({ p }) => [p.level, p.source, p.msg])
      for (const [id, tag] of [
        [a, 'A'],
        [b, 'B'],
      ]) {
        assert.deepEqual(printed(id), [
          ['info', 'stdout', `hello from ${tag}`],
          ['info', 'stdout', `raw write ${tag}`],
          ['error', 'stderr', `to stderr ${tag}`],
        ])
      }
      assert.ok(!runner.stderr.includes('hello from'), runner.stderr)
    })

    it('sends raw writes to fd 1, and child processes output, to stderr', async () => {
      expectOk(await load('raw-output.step.ts'))
      assert.equal(expectOk(await invoke('raw-output.step.ts', { input: {} })), 'done')
      assert.equal(expectOk(await runner.request('ping', 'still in sync')), 'still in sync')
      while (!runner.stderr.includes('child process output')) await new Promise((resolve) => setTimeout(resolve, 5))
      assert.ok(runner.stderr.includes('raw fd 1 write'), runner.stderr)
    })

    it("survives a step's uncaught exception and unhandled rejection, logging them", async () => {
      expectOk(await load('stray.step.ts'))
      assert.equal(expectOk(await invoke('stray.step.ts', { input: {} })), 'returned')
      const stray = iid
      const logged = (text) => runner.note((n) => n.m === 'log' && n.p.iid === stray && n.p.msg.includes(text))
      assert.equal((await logged('late failure')).p.level, 'error')
      assert.match((await logged('forgotten rejection')).p.msg, /^unhandled rejection: Error: forgotten rejection/)
      assert.equal(expectOk(await runner.request('ping', 1)), 1)
    })

    it('answers a cancelled invocation at once and refuses its calls back', async () => {
      let release
      runner.answer = (m, p) => {
        if (p.key === 'first') return new Promise((resolve) => (release = resolve))
        return { ok: true, r: 'should not be asked' }
      }
      const res = invoke('cancellable.step.ts', { input: {} })
      const cancelled = iid
      while (!release) await new Promise((resolve) => setTimeout(resolve, 5))
      runner.send({ t: 'note', m: 'cancel', p: { iid: cancelled } })
      assert.equal(expectError(await res).name, 'Cancelled')
      release({ ok: true, r: null })
      const seen = await runner.note((n) => n.m === 'log' && n.p.iid === cancelled)
      assert.deepEqual([seen.p.msg, seen.p.fields], ['refused', { name: 'Cancelled' }])
      assert.ok(!runner.requests.some((r) => r.p.key === 'second'))
    })
  })

  // API middleware (src/middleware.mjs), composed as Motia 0.17 does
  // (packages/core/src/node/middleware-compose.ts at v0.17.14-beta.196).
  describe('middleware', () => {
    it('names the functions in the config and runs them first to last around the handler', async () => {
      writeFileSync(step('chain.step.js'), CHAIN)
      assert.deepEqual(expectOk(await load('chain.step.js')).config.middleware, ['outer', '<anonymous>', 'swap'])
      const res = await invoke('chain.step.js', { input: { body: {}, headers: { auth: 'yes' } } })
      assert.deepEqual(expectOk(res), {
        status: 200,
        body: { seen: ['outer', 'inner'], swapped: true, traceId: 'trace-1' },
        headers: { 'x-outer': 'after' },
      })
    })

    it('answers without the handler when a middleware does not call next', async () => {
      const res = await invoke('chain.step.js', { input: { body: { fail: true }, headers: {} } })
      assert.deepEqual(expectOk(res), { status: 401, body: { error: 'no auth' } })
    })

    it("reports the handler's error through the middleware", async () => {
      const res = await invoke('chain.step.js', { input: { body: { fail: true }, headers: { auth: 'yes' } } })
      assert.equal(expectError(res).message, 'handler failed')
    })

    it('refuses a step whose middleware entry is not a function, naming the step and index', async () => {
      writeFileSync(
        step('bad.step.js'),
        "export const config = { type: 'api', name: 'Bad', method: 'GET', path: '/b', middleware: [async (r, c, n) => n(), 'auth'] }\nexport const handler = async () => ({ status: 200 })\n",
      )
      const error = expectError(await load('bad.step.js'))
      assert.equal(error.name, 'ConfigError')
      assert.match(error.message, /bad\.step\.js: step 'Bad': middleware\[1\] is not a function \(a string\)/)
      writeFileSync(step('single.step.js'), "export const config = { type: 'api', name: 'One', method: 'GET', path: '/o', middleware: async () => null }\nexport const handler = async () => null\n")
      assert.match(expectError(await load('single.step.js')).message, /step 'One': middleware must be a list of functions, not a function/)
    })
  })

  describe('reload', () => {
    it('re-imports an edited step on a second load', async () => {
      const path = step('esm.step.js')
      expectOk(await load('esm.step.js'))
      writeFileSync(path, readFileSync(path, 'utf8').replace("name: 'EsmJs'", "name: 'EsmJsEdited'").replace('n + 1', 'n + 100'))
      assert.equal(expectOk(await load('esm.step.js')).config.name, 'EsmJsEdited')
      assert.equal(expectOk(await invoke('esm.step.js', { input: { n: 1 } })).n, 101)
    })

    it('re-imports the project files a step imports (TypeScript and CommonJS)', async () => {
      expectOk(await load('uses-helper.step.ts'))
      writeFileSync(step('lib/greet.ts'), readFileSync(step('lib/greet.ts'), 'utf8').replace('VERSION: number = 1', 'VERSION: number = 2'))
      assert.equal(expectOk(await load('uses-helper.step.ts')).config.helperVersion, 2)
      assert.equal(expectOk(await invoke('uses-helper.step.ts', { input: { name: 'x' } })).version, 2)

      expectOk(await load('cjs.step.js'))
      writeFileSync(step('lib/math.cjs'), 'exports.double = (n) => n * 3\n')
      expectOk(await load('cjs.step.js'))
      assert.equal(expectOk(await invoke('cjs.step.js', { input: { n: 2 } })).n, 6)
    })

    it('loads a file once fixed after a failed load, keeping the old version meanwhile', async () => {
      const path = step('flaky.step.ts')
      writeFileSync(path, "export const config = { type: 'event', name: 'Flaky' }\nexport const handler = () => 'v1'\n")
      expectOk(await load('flaky.step.ts'))
      writeFileSync(path, "export const config = { type: 'event', name: 'Flaky' \nexport const handler = () => 'v2'\n")
      expectError(await load('flaky.step.ts'))
      assert.equal(expectOk(await invoke('flaky.step.ts', { input: {} })), 'v1')
      writeFileSync(path, "export const config = { type: 'event', name: 'Flaky' }\nexport const handler = () => 'v3'\n")
      expectOk(await load('flaky.step.ts'))
      assert.equal(expectOk(await invoke('flaky.step.ts', { input: {} })), 'v3')
    })

    it('forgets an unloaded file', async () => {
      expectOk(await load('module.step.mjs'))
      assert.equal(expectOk(await runner.request('unload', { path: step('module.step.mjs') })), null)
      assert.equal(expectError(await invoke('module.step.mjs')).name, 'NotLoaded')
    })
  })
})

describe("a project's own packages", TIMEOUT, () => {
  it("come before the runner's: a project bringing zod 3", async () => {
    const fixture = copyFixture()
    const zod3 = fileURLToPath(new URL('../node_modules/zod3', import.meta.url))
    mkdirSync(join(fixture.dir, 'node_modules'))
    symlinkSync(zod3, join(fixture.dir, 'node_modules', 'zod'))
    writeFileSync(
      join(fixture.dir, 'steps', 'zod3.step.ts'),
      [
        "import { z } from 'zod'",
        "const body = z.object({ title: z.string(), pages: z.number().optional() })",
        "export const config = { type: 'api', name: 'Zod3', method: 'POST', path: '/z', bodySchema: body, projectZod: !('_zod' in body) }",
        'export const handler = async () => ({ status: 200 })',
      ].join('\n'),
    )
    const runner = await startRunner(fixture.dir)
    try {
      const { config } = expectOk(await runner.request('load', { path: join(fixture.dir, 'steps', 'zod3.step.ts'), kind: 'step' }))
      assert.equal(config.projectZod, true)
      assert.equal(config.bodySchema.type, 'object')
      assert.deepEqual(config.bodySchema.required, ['title'])
    } finally {
      await runner.close()
      fixture.remove()
    }
  })
})

describe('life cycle', TIMEOUT, () => {
  let fixture
  before(() => (fixture = copyFixture()))
  after(() => fixture.remove())

  it('finishes in-flight invocations on shutdown, then exits 0', async () => {
    const runner = await startRunner(fixture.dir)
    const path = join(fixture.dir, 'steps', 'slow.step.ts')
    expectOk(await runner.request('load', { path, kind: 'step' }))
    let release
    runner.answer = () => new Promise((resolve) => (release = resolve))
    const invoked = runner.request('invoke', { iid: 1, path, input: { key: 'k' }, ctx: CTX })
    while (!release) await new Promise((resolve) => setTimeout(resolve, 5))
    let stopped = false
    const shutdown = runner.request('shutdown', {}).then((res) => ((stopped = true), res))
    assert.equal(expectError(await runner.request('invoke', { iid: 2, path, input: { key: 'k' }, ctx: CTX })).name, 'ShuttingDown')
    assert.equal(stopped, false)
    release({ ok: true, r: 'v' })
    assert.deepEqual(expectOk(await invoked), { key: 'k', value: 'v' })
    assert.equal(expectOk(await shutdown), null)
    assert.deepEqual(await runner.exited, { code: 0, signal: null })
  })

  it('exits 2 when --project names no directory', () => {
    for (const args of [[], ['--project', join(fixture.dir, 'missing')]]) {
      const done = spawnSync(process.execPath, [join(SRC, 'runner.mjs'), ...args], { encoding: 'utf8' })
      assert.equal(done.status, 2, done.stderr)
      assert.match(done.stderr, /usage: .*--project DIR/)
    }
  })

  it('exits at once when stdin ends', async () => {
    const runner = await startRunner(fixture.dir)
    const started = Date.now()
    assert.deepEqual(await runner.close(), { code: 0, signal: null })
    assert.ok(Date.now() - started < 2000)
  })

  it('keeps the protocol clean when its stdio are sockets (a Node parent)', async () => {
    const runner = new Peer('runner.mjs', ['--project', fixture.dir], { sockets: true })
    await runner.ready()
    const path = join(fixture.dir, 'steps', 'prints.step.ts')
    expectOk(await runner.request('load', { path, kind: 'step' }))
    assert.deepEqual(expectOk(await runner.request('invoke', { iid: 7, path, input: { tag: 'S' }, ctx: CTX })), { printed: 'S' })
    assert.ok(runner.notes.some((n) => n.m === 'log' && n.p.iid === 7 && n.p.msg === 'hello from S'))
    await runner.close()
  })
})

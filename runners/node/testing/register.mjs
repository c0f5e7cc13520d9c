// Loaded with `node --import` into every spec process when `steppe test` runs specs
// with Node's own test runner (the project has neither jest nor vitest):
//
// - TypeScript and the rest of what step files get, through the Node runner's own
//   module hooks (../src/hooks.mjs), so a spec imports .ts steps and helpers as the
//   runner does;
// - `@motiadev/test` and `steppe/test` resolve to the tester (aliases.mjs);
// - jest's globals: describe/it/test with skip and each, beforeAll/afterAll,
//   beforeEach/afterEach on node:test, `expect` (expect.mjs) and `jest.fn`/`spyOn`.

import { register } from 'node:module'
import * as nodeTest from 'node:test'
import { format } from 'node:util'
import { MessageChannel } from 'node:worker_threads'
import { expect, fn, spyOn } from './expect.mjs'

const { port1, port2 } = new MessageChannel()
register(new URL('../src/hooks.mjs', import.meta.url), {
  data: { port: port2, fallbackParentURL: new URL('../package.json', import.meta.url).href },
  transferList: [port2],
})
port1.unref() // the hooks answer `deps` questions on it; a spec never asks
register(new URL('./aliases.mjs', import.meta.url))

// jest calls a test with `done` when it declares one parameter; node:test passes
// `done` as the second argument when the function declares two.
function adapt(body) {
  if (typeof body !== 'function') return body
  if (body.length >= 1) {
    return function (_context, done) {
      return body.call(this, done)
    }
  }
  return function () {
    return body.call(this)
  }
}

const options = (timeout) => (typeof timeout === 'number' ? { timeout } : {})

// `it.each([[1, 2], [3, 4]])('adds %i and %i', (a, b) => ...)`, jest's printf names.
function each(define) {
  return (table) => (name, body, timeout) => {
    table.forEach((row, index) => {
      const args = Array.isArray(row) ? row : [row]
      const title = name.includes('%') ? format(name.replace(/%#/g, String(index)).replace(/%[pj]/g, '%o'), ...args) : `${name} ${index}`
      define(title, () => body(...args), timeout)
    })
  }
}

function testFunction(base) {
  const define = (name, body, timeout) => base(name, options(timeout), adapt(body))
  define.skip = (name, body) => base.skip(name, adapt(body))
  define.only = define
  define.todo = (name) => base.todo(name)
  define.each = each(define)
  return define
}

function suiteFunction(base) {
  const define = (name, body) => base(name, body)
  define.skip = (name, body) => base.skip(name, body)
  define.only = define
  define.each = each(define)
  return define
}

const hook = (base) => (body, timeout) => base(adapt(body), options(timeout))

Object.assign(globalThis, {
  describe: suiteFunction(nodeTest.describe),
  it: testFunction(nodeTest.it),
  test: testFunction(nodeTest.it),
  beforeAll: hook(nodeTest.before),
  afterAll: hook(nodeTest.after),
  beforeEach: hook(nodeTest.beforeEach),
  afterEach: hook(nodeTest.afterEach),
  expect,
  jest: { fn, spyOn },
})

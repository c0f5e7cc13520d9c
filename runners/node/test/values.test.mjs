// Values cross the protocol with JSON semantics (runners/README.md, "Values").

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Unpackr } from 'msgpackr'
import { Encoder, SerializationError } from '../src/values.mjs'

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' })

function roundTrip(value, lenient = false) {
  const encoder = new Encoder(8) // tiny, so that growing is exercised too
  encoder.encode(value, lenient, 'the result')
  return unpackr.unpack(encoder.take())
}

function failure(value) {
  try {
    roundTrip(value)
  } catch (err) {
    assert.ok(err instanceof SerializationError)
    return err.message
  }
  assert.fail('expected a SerializationError')
}

describe('JSON semantics', () => {
  it('agrees with JSON.stringify on ordinary values', () => {
    class Point {
      constructor() {
        this.x = 1
        this.y = undefined
      }
    }
    const value = {
      text: 'héllo ✓ 🚀',
      long: 'x'.repeat(70_000),
      n: [0, -1, 127, 128, -33, 65_536, -2_147_483_649, 2 ** 40, 1.5, -0],
      flags: [true, false, null],
      date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      nested: { deep: [[], {}, ''] },
      missing: undefined,
      holes: [undefined, Symbol('s'), NaN, Infinity],
      point: new Point(),
      map: new Map([[1, 2]]),
      boxed: [new String('s'), new Number(2), new Boolean(false)],
      custom: { toJSON: () => ({ custom: true }) },
    }
    assert.deepEqual(roundTrip(value), JSON.parse(JSON.stringify(value)))
  })

  it('keeps integers beyond 32 bits exact', () => {
    for (const n of [2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), -(2 ** 31) - 1]) assert.equal(roundTrip(n), n)
  })

  it('sends bytes as msgpack bin', () => {
    assert.deepEqual(roundTrip({ b: Buffer.from('hi') }), { b: Buffer.from('hi') })
  })

  it('sends top-level undefined as nil', () => {
    assert.equal(roundTrip(undefined), null)
  })
})

describe('strict mode', () => {
  it('refuses a BigInt and says where', () => {
    assert.equal(failure({ body: { total: 10n } }), 'cannot serialise a BigInt at the result.body.total')
  })

  it('refuses a function', () => {
    assert.match(failure({ list: [1, function later() {}] }), /a function \(later\) at the result\.list\[1\]/)
    assert.match(failure({ cb: () => 1 }), /a function .* at the result\.cb/)
  })

  it('refuses a circular structure', () => {
    const a = { name: 'a' }
    a.self = { back: a }
    assert.equal(failure(a), 'cannot serialise a circular reference at the result.self.back')
  })

  it('allows the same object twice when it is not its own ancestor', () => {
    const shared = { s: 1 }
    assert.deepEqual(roundTrip({ a: shared, b: [shared] }), { a: { s: 1 }, b: [{ s: 1 }] })
  })

  it('leaves nothing behind after a failure', () => {
    const encoder = new Encoder()
    encoder.encode('ok')
    assert.throws(() => encoder.encode({ bad: 1n }), SerializationError)
    assert.equal(unpackr.unpack(encoder.take()), 'ok')
  })
})

describe('lenient mode', () => {
  it('describes what JSON cannot carry instead of failing', () => {
    const loop = { name: 'loop' }
    loop.self = loop
    const out = roundTrip({ n: 10n, fn: function auth() {}, loop, err: new TypeError('bad') }, true)
    assert.equal(out.n, '10')
    assert.equal(out.fn, '[Function: auth]')
    assert.equal(out.loop.self, '[Circular]')
    assert.equal(out.err.name, 'TypeError')
    assert.equal(out.err.message, 'bad')
  })
})

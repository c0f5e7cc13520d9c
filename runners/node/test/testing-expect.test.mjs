// The jest-style expect of Steppe's tester (testing/expect.mjs), used when a project's
// specs run under Node's own test runner: each matcher passes and fails as jest's does.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { expect, fn, spyOn } from '../testing/expect.mjs'

const fails = (check, pattern) => assert.throws(check, (err) => err.name === 'AssertionError' && pattern.test(err.message))

describe('expect', () => {
  it('toEqual ignores undefined properties, toStrictEqual does not', () => {
    expect({ a: 1, b: undefined }).toEqual({ a: 1 })
    fails(() => expect({ a: 1, b: undefined }).toStrictEqual({ a: 1 }), /toStrictEqual/)
    fails(() => expect({ a: 1 }).toEqual({ a: 2 }), /Expected: \{ a: 2 \}\nReceived: \{ a: 1 \}/)
    expect([1, [2, { c: 'x' }]]).toEqual([1, [2, { c: 'x' }]])
    fails(() => expect([1, 2]).toEqual([1, 2, 3]), /toEqual/)
  })

  it('asymmetric matchers inside toEqual (a Motia captured event)', () => {
    const event = { traceId: 'abc', topic: 't', flows: ['f'], data: { at: '2024-01-02T03:04:05.678Z', n: 3 } }
    expect(event).toEqual({
      traceId: expect.any(String),
      topic: 't',
      flows: ['f'],
      data: { at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}.\d{3}Z$/), n: expect.any(Number) },
    })
    fails(() => expect({ traceId: 1 }).toEqual({ traceId: expect.any(String) }), /Any<String>/)
    expect({ a: 1, b: 2 }).toEqual(expect.objectContaining({ a: 1 }))
    expect([1, 2, 3]).toEqual(expect.arrayContaining([3, 1]))
    expect('hello world').toEqual(expect.stringContaining('lo w'))
    fails(() => expect(null).toEqual(expect.anything()), /Anything/)
  })

  it('toBe, toHaveLength, toMatchObject, toHaveProperty, toContain', () => {
    expect(200).toBe(200)
    fails(() => expect({}).toBe({}), /toBe/)
    expect([1, 2]).toHaveLength(2)
    fails(() => expect([]).toHaveLength(1), /toHaveLength/)
    expect({ a: 1, b: { c: 2, d: 3 } }).toMatchObject({ b: { c: 2 } })
    fails(() => expect({ a: 1 }).toMatchObject({ a: 1, b: 2 }), /toMatchObject/)
    expect({ a: { b: [0, { c: 5 }] } }).toHaveProperty('a.b[1].c', 5)
    fails(() => expect({ a: {} }).toHaveProperty('a.b'), /toHaveProperty/)
    expect([1, 2]).toContain(2)
    expect('abc').toContain('b')
    expect([{ a: 1 }]).toContainEqual({ a: 1 })
  })

  it('.not, truthiness, numbers, strings', () => {
    expect(1).not.toBe(2)
    fails(() => expect(1).not.toBe(1), /\.not\.toBe/)
    expect(null).toBeNull()
    expect(undefined).toBeUndefined()
    expect(0).toBeDefined()
    expect('x').toBeTruthy()
    expect('').toBeFalsy()
    expect(3).toBeGreaterThan(2)
    expect(3).toBeLessThanOrEqual(3)
    expect(0.1 + 0.2).toBeCloseTo(0.3)
    expect('abc-123').toMatch(/\d+/)
    expect(new Date(0)).toBeInstanceOf(Date)
  })

  it('toThrow, resolves and rejects', async () => {
    expect(() => {
      throw new TypeError('bad input')
    }).toThrow('bad')
    expect(() => {
      throw new TypeError('bad input')
    }).toThrow(TypeError)
    fails(() => expect(() => {}).toThrow(), /toThrow/)
    await expect(Promise.resolve({ ok: true })).resolves.toEqual({ ok: true })
    await expect(Promise.reject(new Error('nope'))).rejects.toThrow('nope')
    await assert.rejects(expect(Promise.resolve(1)).rejects.toBe(1), /expected the promise to reject/)
  })

  it('jest.fn and spyOn record calls', () => {
    const mock = fn().mockReturnValueOnce(1).mockReturnValue(2)
    assert.equal(mock('a'), 1)
    assert.equal(mock('b', 3), 2)
    expect(mock).toHaveBeenCalledTimes(2)
    expect(mock).toHaveBeenCalledWith('b', 3)
    expect(mock).toHaveBeenLastCalledWith('b', 3)
    fails(() => expect(mock).toHaveBeenCalledWith('c'), /toHaveBeenCalledWith/)
    const target = { twice: (n) => n * 2 }
    const spy = spyOn(target, 'twice')
    assert.equal(target.twice(4), 8)
    expect(spy).toHaveBeenCalledWith(4)
    spy.mockRestore()
    assert.equal(target.twice.mock, undefined)
  })
})

// A jest-style `expect` for specs run by Node's own test runner (no jest installed):
// the matchers and asymmetric matchers Motia's specs and most jest tests use, with
// jest's equality rules (toEqual ignores undefined properties; toStrictEqual does not).
// Not jest: snapshots, custom matchers and `expect.assertions` are missing.

import { inspect, isDeepStrictEqual } from 'node:util'


class AssertionFailure extends Error {
  constructor(message, expected, actual) {
    super(message)
    this.name = 'AssertionError'
    this.expected = expected
    this.actual = actual
    this.matcherResult = { pass: false, message }
  }
}

function show(value) {
  return inspect(value, { depth: 8, colors: false, breakLength: 100 })
}

function asymmetric(description, test) {
  return {
    asymmetricMatch: test,
    toString: () => description,
    toJSON: () => description,
    [inspect.custom]: () => description,
  }
}

function typeCheck(expected) {
  return (value) => {
    if (expected === String) return typeof value === 'string' || value instanceof String
    if (expected === Number) return typeof value === 'number' || value instanceof Number
    if (expected === Boolean) return typeof value === 'boolean' || value instanceof Boolean
    if (expected === Function) return typeof value === 'function'
    if (expected === BigInt) return typeof value === 'bigint'
    if (expected === Symbol) return typeof value === 'symbol'
    if (expected === Object) return value !== null && typeof value === 'object'
    return value instanceof expected
  }
}

function isAsymmetric(value) {
  return value != null && typeof value.asymmetricMatch === 'function'
}

function equals(actual, expected, strict = false) {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual)
  if (isAsymmetric(actual)) return actual.asymmetricMatch(expected)
  if (Object.is(actual, expected)) return true
  if (typeof actual !== 'object' || typeof expected !== 'object' || !actual || !expected) return false
  if (Array.isArray(actual) !== Array.isArray(expected)) return false
  if (strict && Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return false
  if (actual instanceof Date || expected instanceof Date) {
    return actual instanceof Date && expected instanceof Date && actual.getTime() === expected.getTime()
  }
  if (actual instanceof RegExp || expected instanceof RegExp) return String(actual) === String(expected)
  if (actual instanceof Map || actual instanceof Set) return isDeepStrictEqual(actual, expected)
  if (Array.isArray(actual)) {
    if (actual.length !== expected.length) return false
    return actual.every((item, index) => equals(item, expected[index], strict))
  }
  const keys = (object) => Object.keys(object).filter((key) => strict || object[key] !== undefined)
  const actualKeys = keys(actual)
  const expectedKeys = keys(expected)
  if (actualKeys.length !== expectedKeys.length) return false
  return expectedKeys.every((key) => Object.hasOwn(actual, key) && equals(actual[key], expected[key], strict))
}

function matchesObject(actual, expected) {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual)
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesObject(actual[i], e))
  }
  if (expected && typeof expected === 'object' && !(expected instanceof Date) && !(expected instanceof RegExp)) {
    if (!actual || typeof actual !== 'object') return false
    return Object.keys(expected).every((key) => key in actual && matchesObject(actual[key], expected[key]))
  }
  return equals(actual, expected)
}

function propertyPath(path) {
  return Array.isArray(path) ? path : String(path).replace(/\[(\w+)\]/g, '.$1').split('.').filter(Boolean)
}

function thrownBy(received) {
  if (typeof received !== 'function') return { thrown: false, error: received, notFunction: true }
  try {
    received()
  } catch (error) {
    return { thrown: true, error }
  }
  return { thrown: false }
}

function errorMatches(error, expected) {
  if (expected === undefined) return true
  const message = error?.message ?? String(error)
  if (typeof expected === 'string') return message.includes(expected)
  if (expected instanceof RegExp) return expected.test(message)
  if (typeof expected === 'function') return error instanceof expected
  if (isAsymmetric(expected)) return expected.asymmetricMatch(error)
  return message === expected?.message
}

function callsOf(mock) {
  if (!mock?.mock?.calls) throw new AssertionFailure(`expected a mock function, got ${show(mock)}`)
  return mock.mock.calls
}

// Each matcher: (received, ...args) → [pass, what the assertion says, expected].
const MATCHERS = {
  toBe: (r, e) => [Object.is(r, e), 'toBe', e],
  toEqual: (r, e) => [equals(r, e), 'toEqual', e],
  toStrictEqual: (r, e) => [equals(r, e, true), 'toStrictEqual', e],
  toMatchObject: (r, e) => [matchesObject(r, e), 'toMatchObject', e],
  toHaveLength: (r, n) => [r != null && r.length === n, 'toHaveLength', n],
  toHaveProperty(r, path, ...value) {
    let current = r
    for (const key of propertyPath(path)) {
      if (current == null || !(key in Object(current))) {
        return [false, 'toHaveProperty', path]
      }
      current = current[key]
    }
    return [value.length === 0 || equals(current, value[0]), 'toHaveProperty', value.length ? value[0] : path]
  },
  toBeDefined: (r) => [r !== undefined, 'toBeDefined', 'defined'],
  toBeUndefined: (r) => [r === undefined, 'toBeUndefined', undefined],
  toBeNull: (r) => [r === null, 'toBeNull', null],
  toBeTruthy: (r) => [Boolean(r), 'toBeTruthy', 'truthy'],
  toBeFalsy: (r) => [!r, 'toBeFalsy', 'falsy'],
  toBeNaN: (r) => [Number.isNaN(r), 'toBeNaN', NaN],
  toBeInstanceOf: (r, type) => [r instanceof type, 'toBeInstanceOf', type?.name],
  toBeGreaterThan: (r, n) => [r > n, 'toBeGreaterThan', n],
  toBeGreaterThanOrEqual: (r, n) => [r >= n, 'toBeGreaterThanOrEqual', n],
  toBeLessThan: (r, n) => [r < n, 'toBeLessThan', n],
  toBeLessThanOrEqual: (r, n) => [r <= n, 'toBeLessThanOrEqual', n],
  toBeCloseTo: (r, n, digits = 2) => [Math.abs(r - n) < 10 ** -digits / 2, 'toBeCloseTo', n],
  toMatch: (r, pattern) => [
    typeof r === 'string' && (typeof pattern === 'string' ? r.includes(pattern) : pattern.test(r)),
    'toMatch',
    pattern,
  ],
  toContain: (r, item) => [
    typeof r === 'string' ? r.includes(item) : Array.from(r ?? []).some((x) => Object.is(x, item)),
    'toContain',
    item,
  ],
  toContainEqual: (r, item) => [Array.from(r ?? []).some((x) => equals(x, item)), 'toContainEqual', item],
  toThrow(r, expected) {
    const { thrown, error } = thrownBy(r)
    return [thrown && errorMatches(error, expected), 'toThrow', expected ?? 'an error']
  },
  toHaveBeenCalled: (r) => [callsOf(r).length > 0, 'toHaveBeenCalled', 'a call'],
  toHaveBeenCalledTimes: (r, n) => [callsOf(r).length === n, 'toHaveBeenCalledTimes', n],
  toHaveBeenCalledWith: (r, ...args) => [callsOf(r).some((call) => equals(call, args)), 'toHaveBeenCalledWith', args],
  toHaveBeenLastCalledWith: (r, ...args) => [equals(callsOf(r).at(-1), args), 'toHaveBeenLastCalledWith', args],
}
MATCHERS.toThrowError = MATCHERS.toThrow
MATCHERS.toBeCalled = MATCHERS.toHaveBeenCalled
MATCHERS.toBeCalledWith = MATCHERS.toHaveBeenCalledWith

function check(matcher, received, args, negated) {
  const [pass, name, expected] = MATCHERS[matcher](received, ...args)
  if (pass === negated) {
    const not = negated ? '.not' : ''
    const shown = typeof received === 'function' && received.mock ? `mock with calls ${show(received.mock.calls)}` : show(received)
    throw new AssertionFailure(
      `expect(received)${not}.${name}(expected)\n\nExpected${negated ? ' not' : ''}: ${show(expected)}\nReceived: ${shown}`,
      expected,
      received,
    )
  }
}

function matchers(received, negated, settle) {
  const bound = {}
  for (const name of Object.keys(MATCHERS)) {
    bound[name] = (...args) => (settle ? settle(name, args) : check(name, received, args, negated))
  }
  return bound
}

export function expect(received) {
  const api = matchers(received, false)
  api.not = matchers(received, true)
  const settled = (rejects) => (negated) => async (name, args) => {
    let value
    let failed = false
    try {
      value = await received
    } catch (error) {
      value = error
      failed = true
    }
    if (failed !== rejects) {
      throw new AssertionFailure(
        `expected the promise to ${rejects ? 'reject' : 'resolve'}, it ${failed ? 'rejected' : 'resolved'} with ${show(value)}`,
      )
    }
    const target = rejects && (name === 'toThrow' || name === 'toThrowError') ? () => { throw value } : value
    check(name, target, args, negated)
  }
  for (const [key, rejects] of [['resolves', false], ['rejects', true]]) {
    api[key] = matchers(received, false, settled(rejects)(false))
    api[key].not = matchers(received, true, settled(rejects)(true))
  }
  return api
}

expect.any = (type) => asymmetric(`Any<${type?.name ?? type}>`, typeCheck(type))
expect.anything = () => asymmetric('Anything', (value) => value !== null && value !== undefined)
expect.stringMatching = (pattern) =>
  asymmetric(`StringMatching ${pattern}`, (value) => typeof value === 'string' && new RegExp(pattern).test(value))
expect.stringContaining = (text) =>
  asymmetric(`StringContaining ${show(text)}`, (value) => typeof value === 'string' && value.includes(text))
expect.objectContaining = (object) =>
  asymmetric(`ObjectContaining ${show(object)}`, (value) =>
    value != null && Object.keys(object).every((key) => key in Object(value) && equals(value[key], object[key])),
  )
expect.arrayContaining = (items) =>
  asymmetric(`ArrayContaining ${show(items)}`, (value) =>
    Array.isArray(value) && items.every((item) => value.some((x) => equals(x, item))),
  )

/** `jest.fn()`: records its calls; `mockReturnValue`, `mockResolvedValue`, `mockImplementation`. */
export function fn(implementation = () => undefined) {
  let current = implementation
  const once = []
  const mock = function (...args) {
    mock.mock.calls.push(args)
    const result = (once.length ? once.shift() : current).apply(this, args)
    mock.mock.results.push({ type: 'return', value: result })
    return result
  }
  mock.mock = { calls: [], results: [] }
  mock.mockImplementation = (next) => ((current = next), mock)
  mock.mockImplementationOnce = (next) => (once.push(next), mock)
  mock.mockReturnValue = (value) => mock.mockImplementation(() => value)
  mock.mockReturnValueOnce = (value) => mock.mockImplementationOnce(() => value)
  mock.mockResolvedValue = (value) => mock.mockImplementation(() => Promise.resolve(value))
  mock.mockResolvedValueOnce = (value) => mock.mockImplementationOnce(() => Promise.resolve(value))
  mock.mockRejectedValue = (value) => mock.mockImplementation(() => Promise.reject(value))
  mock.mockClear = () => ((mock.mock.calls = []), (mock.mock.results = []), mock)
  mock.mockReset = () => (mock.mockClear(), (current = () => undefined), (once.length = 0), mock)
  return mock
}

/** `jest.spyOn(object, method)`: the method, recorded; `mockRestore()` puts it back. */
export function spyOn(object, method) {
  const original = object[method]
  const spy = fn(function (...args) {
    return original.apply(this, args)
  })
  spy.mockRestore = () => {
    object[method] = original
  }
  object[method] = spy
  return spy
}

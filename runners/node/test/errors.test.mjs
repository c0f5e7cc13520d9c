// errorInfo: the wire shape of anything a handler threw, which must never itself throw
// (issue 15: `throw Object.create(null)` left the call unanswered until its timeout).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorInfo } from '../src/errors.mjs'

describe('errorInfo', () => {
  it('describes an Error by its class and message', () => {
    class NotFound extends Error {}
    const info = errorInfo(new NotFound('no pet'))
    assert.equal(info.name, 'NotFound')
    assert.equal(info.message, 'no pet')
  })

  it('describes values that are not Errors', () => {
    assert.deepEqual(errorInfo('text'), { name: 'Error', message: 'text', stack: null })
    assert.deepEqual(errorInfo(42), { name: 'Error', message: '42', stack: null })
  })

  it('describes an object without a prototype instead of throwing', () => {
    const bare = Object.create(null)
    bare.code = 7
    assert.deepEqual(errorInfo(bare), { name: 'Error', message: 'a thrown object: {"code":7}', stack: null })
  })

  it('survives a value whose every description throws', () => {
    const hostile = new Proxy({}, { get () { throw new Error('no') }, getPrototypeOf () { throw new Error('no') } })
    const info = errorInfo(hostile)
    assert.equal(info.name, 'Error')
    assert.equal(typeof info.message, 'string')
  })
})

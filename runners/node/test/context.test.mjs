// The handler context built in the runner's own process (context.mjs); what its calls
// send is checked through a real runner in runner.test.mjs.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createContext, Invocation } from '../src/context.mjs'

function context(iid, sent) {
  const session = { request: (method, params) => (sent.push([method, params]), Promise.resolve(null)), note() {} }
  return createContext(new Invocation(iid, iid, session), { traceId: 't', flows: [] })
}

describe('the context', () => {
  it("keeps each invocation's streams apart, whatever is written to them", async () => {
    const sent = []
    const first = context(1, sent)
    const second = context(2, sent)
    first.streams.extra = 'x' // dropped: the streams of every context share one frozen target
    assert.equal('extra' in second.streams, false)
    assert.deepEqual(Object.keys(first.streams), [])
    assert.equal(first.streams.chat, first.streams.chat)
    await second.streams.chat.get('room', 'a')
    await first.streams.chat.get('room', 'b')
    assert.deepEqual(sent, [
      ['streams.get', { iid: 2, stream: 'chat', groupId: 'room', id: 'a' }],
      ['streams.get', { iid: 1, stream: 'chat', groupId: 'room', id: 'b' }],
    ])
  })

  it('spreads into a plain object with every member', () => {
    const ctx = context(3, [])
    const copy = { ...ctx, extra: 1 }
    for (const key of ['traceId', 'flows', 'logger', 'emit', 'enqueue', 'state', 'streams']) assert.equal(copy[key], ctx[key], key)
    assert.equal(copy.streams.then, undefined) // awaiting `streams` by mistake does not hang
  })
})

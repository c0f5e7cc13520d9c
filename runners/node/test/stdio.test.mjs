// Printed text is cut at LINE_LIMIT bytes before it becomes a `log` note (issue 15
// item 4): a handler printing 50 MB must not make a 50 MB note. Motia caps nothing:
// each chunk a child process prints becomes a log entry (packages/core/src/
// call-step-file.ts, onStdout); Steppe's runner is shared, so one note that size
// would hold up every other step's call.

import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe, it } from 'node:test'
import { LINE_LIMIT, capText, captureOutput } from '../src/stdio.mjs'

describe('capText', () => {
  it('keeps text that fits', () => {
    assert.equal(capText('short', 10), 'short')
    assert.equal(capText('é'.repeat(5), 10), 'é'.repeat(5))
  })

  it('cuts at the byte limit and says how much was cut', () => {
    assert.equal(capText('x'.repeat(25), 10), 'xxxxxxxxxx… [truncated 15 bytes]')
    assert.equal(capText('y'.repeat(5_000_000)).slice(LINE_LIMIT), '… [truncated 4,934,464 bytes]')
  })

  it('never splits a character', () => {
    assert.equal(capText('é'.repeat(10), 11), 'ééééé… [truncated 10 bytes]')
    assert.equal(capText('😀'.repeat(10), 10), '😀😀… [truncated 32 bytes]')
  })
})

describe('captureOutput', () => {
  it('sends at most LINE_LIMIT bytes of a huge write, from a string or a Buffer', () => {
    const storage = new AsyncLocalStorage()
    const notes = []
    captureOutput(storage, (store, level, msg, source) => notes.push({ store, level, msg, source }))
    storage.run({ iid: 1 }, () => {
      process.stdout.write('z'.repeat(3_000_000) + '\n')
      process.stderr.write(Buffer.from('w'.repeat(200_000) + '\n'))
      process.stdout.write(Buffer.from('small\n'))
    })
    assert.deepEqual(notes.map(n => [n.level, n.source, n.msg.slice(LINE_LIMIT - 1)]), [
      ['info', 'stdout', 'z… [truncated 2,934,464 bytes]'],
      ['error', 'stderr', 'w… [truncated 134,464 bytes]'],
      ['info', 'stdout', ''],
    ])
    assert.equal(notes[2].msg, 'small')
  })
})

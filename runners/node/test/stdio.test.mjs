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
    assert.equal(capText('short', 100), 'short')
    assert.equal(capText('é'.repeat(50), 100), 'é'.repeat(50))
    assert.equal(capText('x'.repeat(LINE_LIMIT)), 'x'.repeat(LINE_LIMIT))
  })

  it('cuts what does not fit, marker included, and says how much was cut', () => {
    // 64 bytes are left for the marker: 36 of 100 are kept.
    assert.equal(capText('x'.repeat(250), 100), 'x'.repeat(36) + '… [truncated 214 bytes]')
    const cut = capText('y'.repeat(5_000_000))
    assert.equal(cut.slice(LINE_LIMIT - 64), '… [truncated 4,934,528 bytes]')
    assert.ok(Buffer.byteLength(cut) <= LINE_LIMIT)
    assert.equal(capText('x'.repeat(LINE_LIMIT + 1)).slice(LINE_LIMIT - 64), '… [truncated 65 bytes]')
  })

  it('never splits a character', () => {
    assert.equal(capText('é'.repeat(100), 103), 'é'.repeat(19) + '… [truncated 162 bytes]')
    assert.equal(capText('😀'.repeat(30), 102), '😀'.repeat(9) + '… [truncated 84 bytes]')
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
    assert.deepEqual(notes.map(n => [n.level, n.source, n.msg.slice(LINE_LIMIT - 65)]), [
      ['info', 'stdout', 'z… [truncated 2,934,528 bytes]'],
      ['error', 'stderr', 'w… [truncated 134,528 bytes]'],
      ['info', 'stdout', ''],
    ])
    assert.equal(notes[2].msg, 'small')
  })
})

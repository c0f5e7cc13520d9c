// The shared byte-level vectors (tests/protocol_vectors/vectors.json) and the
// runner's framing: decoding, canonical encoding, streaming, rejection, batching.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { BadFrame, FrameDecoder, FrameWriter, ProtocolError, validateFrame } from '../src/framing.mjs'
import { Encoder } from '../src/values.mjs'
import { framed } from './harness.mjs'

const vectors = JSON.parse(readFileSync(new URL('../../../tests/protocol_vectors/vectors.json', import.meta.url), 'utf8'))

describe('protocol vectors', () => {
  for (const frame of vectors.frames) {
    it(`decodes ${frame.name}`, () => {
      const decoded = new FrameDecoder().feed(Buffer.from(frame.hex, 'hex'))
      assert.deepEqual(decoded, [frame.value])
    })

    it(`encodes ${frame.name} canonically`, () => {
      const encoder = new Encoder()
      encoder.encode(frame.value)
      assert.equal(framed(encoder.take()).toString('hex'), frame.hex)
    })
  }

  it('decodes the whole stream fed one byte at a time', () => {
    const bytes = Buffer.from(vectors.stream.hex, 'hex')
    const decoder = new FrameDecoder()
    const frames = []
    for (let i = 0; i < bytes.length; i++) frames.push(...decoder.feed(bytes.subarray(i, i + 1)))
    assert.equal(frames.length, vectors.stream.count)
    assert.deepEqual(
      frames,
      vectors.frames.map((f) => f.value),
    )
  })

  it('decodes the whole stream in one chunk', () => {
    const frames = new FrameDecoder().feed(Buffer.from(vectors.stream.hex, 'hex'))
    assert.equal(frames.length, vectors.stream.count)
  })

  for (const invalid of vectors.invalid) {
    it(`skips ${invalid.name}, reading its request id`, () => {
      const after = vectors.frames[0]
      const [bad, ...rest] = new FrameDecoder().feed(Buffer.from(invalid.hex + after.hex, 'hex'))
      assert.ok(bad instanceof BadFrame, String(bad))
      assert.equal(bad.requestId, invalid.id)
      assert.deepEqual(rest, [after.value])
    })
  }

  for (const fatal of vectors.fatal) {
    it(`rejects ${fatal.name}`, () => {
      assert.throws(() => new FrameDecoder().feed(Buffer.from(fatal.hex, 'hex')), ProtocolError)
    })
  }
})

describe('frame validation', () => {
  it('accepts the three kinds', () => {
    for (const frame of [
      { t: 'req', id: 0, m: 'ping', p: null },
      { t: 'res', id: 1, ok: true },
      { t: 'res', id: 1, ok: false, e: { name: 'E', message: 'm' } },
      { t: 'note', m: 'cancel', p: { iid: 1 } },
    ]) {
      assert.equal(validateFrame(frame), frame)
    }
  })

  it('rejects malformed frames', () => {
    for (const frame of [
      null,
      'req',
      [],
      { t: 'req', id: -1, m: 'ping', p: {} },
      { t: 'req', id: 1.5, m: 'ping', p: {} },
      { t: 'req', id: 1, m: '', p: {} },
      { t: 'req', id: 1, m: 'ping' },
      { t: 'res', id: 1, ok: 'yes' },
      { t: 'res', id: 1, ok: false },
      { t: 'note', p: {} },
    ]) {
      assert.throws(() => validateFrame(frame), ProtocolError, JSON.stringify(frame))
    }
  })

  it('keeps an incomplete tail for the next chunk', () => {
    const decoder = new FrameDecoder()
    const bytes = Buffer.from(vectors.frames[0].hex + vectors.frames[1].hex, 'hex')
    assert.equal(decoder.feed(bytes.subarray(0, 60)).length, 1)
    assert.deepEqual(decoder.feed(bytes.subarray(60)), [vectors.frames[1].value])
  })
})

describe('FrameWriter', () => {
  it('writes the frames of one turn in a single write', async () => {
    const writes = []
    const writer = new FrameWriter({ write: (chunk) => writes.push(chunk) })
    writer.response(1, { a: 1 })
    writer.error(2, { name: 'E', message: 'm' })
    writer.request(3, 'state.get', { iid: 1, group: 'g', key: 'k' })
    writer.note('log', { level: 'info', msg: 'x' })
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(writes.length, 1)
    assert.deepEqual(new FrameDecoder().feed(writes[0]), [
      { t: 'res', id: 1, ok: true, r: { a: 1 } },
      { t: 'res', id: 2, ok: false, e: { name: 'E', message: 'm' } },
      { t: 'req', id: 3, m: 'state.get', p: { iid: 1, group: 'g', key: 'k' } },
      { t: 'note', m: 'log', p: { level: 'info', msg: 'x' } },
    ])
  })

  it('writes nothing of a frame whose payload cannot be serialised', async () => {
    const writes = []
    const writer = new FrameWriter({ write: (chunk) => writes.push(chunk) })
    writer.response(1, 'before')
    assert.throws(() => writer.response(2, { n: 1n }), { name: 'SerializationError' })
    writer.response(3, 'after')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      new FrameDecoder().feed(writes[0]).map((f) => f.id),
      [1, 3],
    )
  })
})

// The shared byte-level vectors (tests/protocol_vectors/vectors.json) and the
// runner's framing: decoding, canonical encoding, streaming, rejection, batching.

import assert from 'node:assert/strict'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { Packr } from 'msgpackr'
import { BadFrame, FrameDecoder, FrameWriter, ProtocolError, validateFrame } from '../src/framing.mjs'
import { Encoder } from '../src/values.mjs'
import { framed } from './harness.mjs'

const packr = new Packr({ useRecords: false, variableMapSize: true })
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

  // The runner reads every chunk into one buffer (stdio.mjs, readProtocolInput).
  it('decodes frames from a read buffer that the next read overwrites', () => {
    const decoder = new FrameDecoder()
    const bytes = Buffer.from(vectors.frames[0].hex + vectors.frames[1].hex, 'hex')
    const buffer = Buffer.alloc(bytes.length)
    bytes.copy(buffer, 0, 0, 60)
    assert.deepEqual(decoder.feed(buffer, 60), [vectors.frames[0].value])
    buffer.fill(0xff)
    const rest = bytes.copy(buffer, 0, 60)
    assert.deepEqual(decoder.feed(buffer, rest), [vectors.frames[1].value])
  })

  it('gives decoded bytes of their own, not a view of the read buffer', () => {
    const buffer = framed(packr.pack({ t: 'req', id: 1, m: 'invoke', p: { input: Buffer.from('abc') } }))
    const [frame] = new FrameDecoder().feed(buffer)
    buffer.fill(0)
    assert.deepEqual(frame.p.input, Buffer.from('abc'))
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

  it('writes what was held in one write when the last hold is released, at once', () => {
    const writes = []
    const writer = new FrameWriter({ write: (chunk) => writes.push(chunk), writableLength: 0 })
    writer.hold()
    writer.hold()
    writer.response(1, 'a')
    writer.release()
    writer.note('log', { msg: 'x' })
    assert.equal(writes.length, 0)
    writer.release()
    assert.deepEqual(new FrameDecoder().feed(writes[0]), [
      { t: 'res', id: 1, ok: true, r: 'a' },
      { t: 'note', m: 'log', p: { msg: 'x' } },
    ])
  })

  it('writes straight to its descriptor, and behind what its stream still queues', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steppe-writer-'))
    const path = join(dir, 'out')
    const fd = openSync(path, 'w')
    try {
      const queued = []
      const out = { writableLength: 0, write: (chunk) => queued.push(chunk) }
      const writer = new FrameWriter(out, fd)
      writer.response(1, 'direct')
      writer.flush()
      assert.deepEqual(new FrameDecoder().feed(readFileSync(path)), [{ t: 'res', id: 1, ok: true, r: 'direct' }])
      assert.equal(queued.length, 0)
      out.writableLength = 10 // an earlier write still waits in the stream: this one goes after it
      writer.response(2, 'queued')
      writer.flush()
      assert.deepEqual(new FrameDecoder().feed(queued[0]), [{ t: 'res', id: 2, ok: true, r: 'queued' }])
    } finally {
      closeSync(fd)
      rmSync(dir, { recursive: true })
    }
  })
})

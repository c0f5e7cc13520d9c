// Framing of the runner protocol (docs/reference.md §7, schemas/protocol.schema.json):
// each frame is a 4-byte big-endian length, then that many bytes of one msgpack map,
// in both directions.
//
// FrameDecoder turns incoming bytes into validated frames, whatever the chunk
// boundaries, and a frame it cannot decode into a BadFrame (skipped exactly, thanks
// to the length); frameReader feeds it from the protocol input. FrameWriter encodes
// outgoing frames into one buffer and writes what a chunk of requests (or a turn
// of the event loop) produced with a single write.

import { writeSync } from 'node:fs'
import { Unpackr } from 'msgpackr'
import { Encoder } from './values.mjs'

// The longest frame; a longer length is no frame boundary to trust.
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

export class ProtocolError extends Error {
  constructor(message) {
    super(message)
    this.name = 'ProtocolError'
  }
}

// copyBuffers: a decoded bin is its own copy, not a view of the read buffer, which
// the next read overwrites (stdio.mjs, readProtocolInput).
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number', copyBuffers: true })

function preview(value) {
  let text
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text
}

function isId(id) {
  return Number.isSafeInteger(id) && id >= 0
}

function isMethod(m) {
  return typeof m === 'string' && m.length > 0
}

/** Check that a decoded value is a well-formed frame; return it or throw ProtocolError. */
export function validateFrame(frame) {
  if (typeof frame !== 'object' || frame === null || Object.getPrototypeOf(frame) !== Object.prototype) {
    throw new ProtocolError(`frame is not a map: ${preview(frame)}`)
  }
  switch (frame.t) {
    case 'req':
      if (isId(frame.id) && isMethod(frame.m) && 'p' in frame) return frame
      break
    case 'res':
      if (isId(frame.id) && typeof frame.ok === 'boolean' && (frame.ok || (typeof frame.e === 'object' && frame.e !== null))) {
        return frame
      }
      break
    case 'note':
      if (isMethod(frame.m) && 'p' in frame) return frame
      break
    default:
      throw new ProtocolError(`unknown frame kind ${preview(frame.t)}: ${preview(frame)}`)
  }
  throw new ProtocolError(`malformed ${frame.t} frame: ${preview(frame)}`)
}

/**
 * A frame skipped because it could not be decoded or is not a well-formed frame.
 * `head` holds what could be read of its leading members (t, id, m, which every
 * encoder writes first), so that a request can still be answered.
 */
export class BadFrame {
  constructor(head, reason) {
    this.head = head
    this.reason = reason
  }

  /** The id of the request this frame was, or null when it cannot tell. */
  get requestId() {
    return this.head.t === 'req' && isId(this.head.id) ? this.head.id : null
  }

  /** The answer to the request. */
  error(program) {
    const method = isMethod(this.head.m) ? ` (${this.head.m})` : ''
    return {
      name: 'BadFrame',
      message: `the ${program} could not decode request ${this.head.id}${method}: ${this.reason}; it skipped the frame`,
    }
  }
}

// The bytes of one frame's body, data[start, end): reused, so that msgpackr decodes
// every frame of a read buffer through the one DataView it keeps on that buffer.
const BODY = { start: 0, end: 0 }

function decode(data, start, end) {
  let value
  BODY.start = start
  BODY.end = end
  try {
    value = unpackr.unpack(data, BODY)
  } catch (err) {
    return new BadFrame(frameHead(data.subarray(start, end)), `malformed msgpack: ${err.message}`)
  }
  try {
    return validateFrame(value)
  } catch (err) {
    const head = typeof value === 'object' && value !== null ? { t: value.t, id: value.id, m: value.m } : {}
    return new BadFrame(head, err.message)
  }
}

/**
 * The leading scalar members (short strings and unsigned integers) of a map whose
 * body failed to decode further on. msgpackr decodes whole values only, so by hand.
 */
export function frameHead(body) {
  const head = {}
  let pos = 0
  const scalar = () => {
    const b = body[pos++]
    if (b <= 0x7f) return b
    if (b >= 0xa0 && b <= 0xbf) return text(b - 0xa0)
    if (b === 0xd9) return text(body[pos++])
    const width = { 0xcc: 1, 0xcd: 2, 0xce: 4 }[b]
    if (width === undefined) return undefined
    pos += width
    return body.readUIntBE(pos - width, width)
  }
  const text = (length) => {
    if (pos + length > body.length) throw new RangeError('short')
    pos += length
    return body.toString('utf8', pos - length, pos)
  }
  try {
    const b = body[pos++]
    const count = b >= 0x80 && b <= 0x8f ? b - 0x80 : b === 0xde ? body.readUInt16BE((pos += 2) - 2) : 0
    for (let i = 0; i < count; i++) {
      const key = scalar()
      if (key !== 't' && key !== 'id' && key !== 'm') break
      const value = scalar()
      if (value === undefined) break
      head[key] = value
    }
  } catch {
    // what was read so far is the head
  }
  return head
}

export class FrameDecoder {
  constructor() {
    this.rest = null // the start of a frame not complete yet
  }

  /**
   * Frames completed by the first `length` bytes of `chunk`, and a BadFrame for each
   * one that could not be decoded; throws ProtocolError on a length over the maximum.
   * `chunk` may be reused once this returns: what it holds of an unfinished frame is
   * copied.
   */
  feed(chunk, length = chunk.length) {
    const data = this.rest === null ? chunk : Buffer.concat([this.rest, chunk.subarray(0, length)])
    const end = this.rest === null ? length : data.length
    this.rest = null
    const frames = []
    let start = 0
    while (end - start >= 4) {
      const size = data.readUInt32BE(start)
      if (size > MAX_FRAME_BYTES) throw new ProtocolError(`a frame length of ${size} bytes is over the maximum`)
      if (end - start - 4 < size) break
      frames.push(decode(data, start + 4, start + 4 + size))
      start += 4 + size
    }
    if (start < end) this.rest = Buffer.from(data.subarray(start, end))
    return frames
  }
}

/**
 * A handler of the protocol input's chunks (stdio.mjs, readProtocolInput) that hands
 * every frame to `onFrame` and every frame skipped to `onBadFrame`; what they write to
 * `writer` goes out in one write once the chunk's frames are handled. On a frame
 * length over the maximum the process exits 1: no later frame boundary can be trusted.
 */
export function frameReader(program, writer, onFrame, onBadFrame) {
  const decoder = new FrameDecoder()
  return (chunk, length) => {
    let frames
    try {
      frames = decoder.feed(chunk, length)
    } catch (err) {
      process.stderr.write(`${program}: ${err.message}\n`)
      process.exit(1)
    }
    writer.hold()
    try {
      for (const frame of frames) {
        if (frame instanceof BadFrame) onBadFrame(frame)
        else onFrame(frame)
      }
    } finally {
      writer.release()
    }
  }
}

/** Answer a skipped request with BadFrame; a frame that was no request is only reported. */
export function refuseBadFrame(writer, bad, program) {
  if (bad.requestId !== null) writer.error(bad.requestId, bad.error(program))
  else process.stderr.write(`${program}: skipped a frame: ${bad.reason}\n`)
}

// Each frame starts with a fixed key/kind prefix, up to the key that follows
// it: {t: 'res', id: …}, {t: 'req', id: …}, {t: 'note', m: …}.
const RES = Buffer.from([0x84, 0xa1, 0x74, 0xa3, 0x72, 0x65, 0x73, 0xa2, 0x69, 0x64])
const REQ = Buffer.from([0x84, 0xa1, 0x74, 0xa3, 0x72, 0x65, 0x71, 0xa2, 0x69, 0x64])
const NOTE = Buffer.from([0x83, 0xa1, 0x74, 0xa4, 0x6e, 0x6f, 0x74, 0x65, 0xa1, 0x6d])
const OK_R = Buffer.from([0xa2, 0x6f, 0x6b, 0xc3, 0xa1, 0x72]) // ok: true, r:
const FAIL_E = Buffer.from([0xa2, 0x6f, 0x6b, 0xc2, 0xa1, 0x65]) // ok: false, e:
const LENGTH = Buffer.alloc(4) // room for a frame's length, written once the frame is
const M = Buffer.from([0xa1, 0x6d])
const P = Buffer.from([0xa1, 0x70])

export class FrameWriter {
  /**
   * `out` is a writable stream on the protocol descriptor; `fd`, that descriptor, lets
   * a flush write straight to it when the stream has nothing queued: no write request,
   * no callback tick, none of the async hooks the runner's AsyncLocalStorage makes
   * every one of them run.
   */
  constructor(out, fd = null) {
    this.out = out
    this.fd = fd
    this.encoder = new Encoder()
    this.scheduled = false
    this.holds = 0 // while above 0, frames wait for release() instead of a scheduled flush
    this.flush = this.flush.bind(this)
  }

  /**
   * Each method appends one whole frame or, when the payload cannot be
   * serialised, nothing at all (and throws the SerializationError).
   */
  response(id, result, label = 'the result', lenient = false) {
    this.answer(id, OK_R, result, lenient, label)
  }

  error(id, error) {
    this.answer(id, FAIL_E, error, true)
  }

  request(id, method, params, label = 'the request') {
    this.message(REQ, id, method, params, false, label)
  }

  /** Notes (logs) are written leniently: a log line never fails. */
  note(method, params) {
    this.message(NOTE, null, method, params, true)
  }

  answer(id, outcome, value, lenient, label) {
    const start = this.encoder.pos
    this.encoder.raw(LENGTH)
    this.encoder.raw(RES)
    this.encoder.num(id)
    this.encoder.raw(outcome)
    this.payload(start, value, lenient, label)
  }

  // A request has an id before its method; a note goes straight to the method.
  message(prefix, id, method, params, lenient, label) {
    const enc = this.encoder
    const start = enc.pos
    enc.raw(LENGTH)
    enc.raw(prefix)
    if (id !== null) {
      enc.num(id)
      enc.raw(M)
    }
    enc.str(method)
    enc.raw(P)
    this.payload(start, params, lenient, label)
  }

  payload(start, value, lenient, label) {
    const enc = this.encoder
    try {
      enc.encode(value, lenient, label)
    } catch (err) {
      enc.pos = start
      throw err
    }
    enc.view.setUint32(start, enc.pos - start - 4) // the length reserved at `start`
    if (!this.scheduled && this.holds === 0) {
      this.scheduled = true
      // setImmediate runs after the promise jobs of this turn: every frame written
      // meanwhile goes out in the same write.
      setImmediate(this.flush)
    }
  }

  /** Keep what is written from now on until the matching release(). */
  hold() {
    this.holds++
  }

  /** End a hold(); the last one writes what was kept, now. */
  release() {
    if (--this.holds === 0 && this.encoder.pos > 0) this.flush()
  }

  // Straight from the encoder's buffer to the descriptor when the stream has nothing
  // queued (frames stay in order); what the pipe does not take now (EAGAIN, a short
  // write) is copied and queued on the stream, which also reports a broken pipe as it
  // always did.
  flush() {
    this.scheduled = false
    const enc = this.encoder
    if (enc.pos === 0) return
    let written = 0
    if (this.fd !== null && this.out.writableLength === 0) {
      try {
        written = writeSync(this.fd, enc.buf, 0, enc.pos)
      } catch {
        written = 0
      }
    }
    if (written < enc.pos) this.out.write(enc.take(written))
    else enc.clear()
  }
}

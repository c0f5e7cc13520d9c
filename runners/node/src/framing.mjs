// Framing of the runner protocol (docs/reference.md §7, schemas/protocol.schema.json):
// msgpack maps back to back, no length prefix, in both directions.
//
// FrameDecoder turns incoming bytes into validated frames, whatever the chunk
// boundaries; readFrames feeds it from the protocol input. FrameWriter encodes
// outgoing frames into one buffer and writes everything produced in one turn
// of the event loop with a single write.

import { Unpackr } from 'msgpackr'
import { Encoder } from './values.mjs'

// A peer that streams this much without completing a frame is broken.
export const MAX_FRAME_BYTES = 64 * 1024 * 1024

export class ProtocolError extends Error {
  constructor(message) {
    super(message)
    this.name = 'ProtocolError'
  }
}

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' })

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

export class FrameDecoder {
  constructor() {
    this.rest = null
  }

  /** Frames completed by `chunk`; an incomplete tail is kept for the next call. */
  feed(chunk) {
    const data = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    this.rest = null
    const frames = []
    try {
      unpackr.unpackMultiple(data, (value) => {
        frames.push(validateFrame(value))
      })
    } catch (err) {
      if (err instanceof ProtocolError) throw err
      if (!err.incomplete) throw new ProtocolError(`malformed msgpack: ${err.message}`)
      this.rest = data.subarray(err.lastPosition)
      if (this.rest.length > MAX_FRAME_BYTES) throw new ProtocolError('a frame exceeds the maximum frame size')
    }
    return frames
  }
}

/**
 * Hand every frame read from `input` to `onFrame`. The process exits 0 when
 * the input ends (the orchestrator is gone) and 1 on bytes that are not a
 * valid frame (the rest of the stream cannot be trusted).
 */
export function readFrames(input, program, onFrame) {
  const decoder = new FrameDecoder()
  input.on('data', (chunk) => {
    let frames
    try {
      frames = decoder.feed(chunk)
    } catch (err) {
      process.stderr.write(`${program}: ${err.message}\n`)
      process.exit(1)
    }
    for (const frame of frames) onFrame(frame)
  })
  input.on('end', () => process.exit(0))
}

// Each frame starts with a fixed key/kind prefix, up to the key that follows
// it: {t: 'res', id: …}, {t: 'req', id: …}, {t: 'note', m: …}.
const RES = Buffer.from([0x84, 0xa1, 0x74, 0xa3, 0x72, 0x65, 0x73, 0xa2, 0x69, 0x64])
const REQ = Buffer.from([0x84, 0xa1, 0x74, 0xa3, 0x72, 0x65, 0x71, 0xa2, 0x69, 0x64])
const NOTE = Buffer.from([0x83, 0xa1, 0x74, 0xa4, 0x6e, 0x6f, 0x74, 0x65, 0xa1, 0x6d])
const OK_R = Buffer.from([0xa2, 0x6f, 0x6b, 0xc3, 0xa1, 0x72]) // ok: true, r:
const FAIL_E = Buffer.from([0xa2, 0x6f, 0x6b, 0xc2, 0xa1, 0x65]) // ok: false, e:
const M = Buffer.from([0xa1, 0x6d])
const P = Buffer.from([0xa1, 0x70])

export class FrameWriter {
  /** `out` is a writable stream on the protocol descriptor. */
  constructor(out) {
    this.out = out
    this.encoder = new Encoder()
    this.scheduled = false
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
    this.encoder.raw(RES)
    this.encoder.num(id)
    this.encoder.raw(outcome)
    this.payload(start, value, lenient, label)
  }

  // A request has an id before its method; a note goes straight to the method.
  message(prefix, id, method, params, lenient, label) {
    const enc = this.encoder
    const start = enc.pos
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
    try {
      this.encoder.encode(value, lenient, label)
    } catch (err) {
      this.encoder.pos = start
      throw err
    }
    if (!this.scheduled) {
      this.scheduled = true
      // setImmediate runs after the promise jobs of this turn: every response
      // that a chunk of requests produced synchronously goes out in one write.
      setImmediate(this.flush)
    }
  }

  flush() {
    this.scheduled = false
    if (this.encoder.pos > 0) this.out.write(this.encoder.take())
  }
}

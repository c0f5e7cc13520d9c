// JS values → msgpack bytes, with JSON semantics (runners/README.md, "Values").
//
// One pass does both jobs that would otherwise take two (a JSON-style
// normalising copy, then an encoder): `toJSON` is honoured (Dates become ISO
// strings), `undefined` and symbol members are dropped (null in arrays), NaN and
// ±Infinity become nil, and anything JSON cannot carry is refused with a
// SerializationError naming where it was found. msgpackr is not used for
// writing because it encodes integers beyond 32 bits as float64 (and BigInts
// always as int64), so a Python peer would get floats and the canonical byte
// vectors could not be met; decoding stays with msgpackr (see framing.mjs).
//
// Two modes: strict (results, state values, emitted data: the orchestrator must
// get exactly the value or an error) and lenient (log fields, configs: never fail,
// describe what cannot be carried, e.g. a stream config's `canAccess` function).

const TWO_32 = 2 ** 32
const TWO_63 = 2 ** 63
const TWO_64 = 2 ** 64

export class SerializationError extends Error {
  constructor(what) {
    super(what)
    this.name = 'SerializationError'
    this.what = what
    this.path = []
  }
}

function pathText(path) {
  let text = ''
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
  return text
}

function describeFailure(err, label) {
  if (err instanceof SerializationError) {
    err.message = `cannot serialise ${err.what} at ${label}${pathText(err.path)}`
    return err
  }
  if (err instanceof RangeError && /call stack/.test(err.message)) {
    return new SerializationError(`${label} is nested too deeply to serialise`)
  }
  // A getter that throws, say: the value cannot be read, so it cannot be sent.
  return new SerializationError(`cannot serialise ${label}: ${err?.message ?? err}`)
}

export class Encoder {
  constructor(size = 64 * 1024) {
    this.buf = null
    this.view = null
    this.pos = 0
    this.lenient = false
    this.ancestors = [] // objects being written, to catch a cycle
    this.alloc(size)
  }

  alloc(size) {
    const buf = Buffer.allocUnsafeSlow(size)
    if (this.buf) this.buf.copy(buf, 0, 0, this.pos)
    this.buf = buf
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length)
  }

  ensure(n) {
    if (this.pos + n > this.buf.length) this.alloc(Math.max(this.buf.length * 2, this.pos + n))
  }

  /** The bytes written so far (from offset `from`), copied out; the encoder starts empty again. */
  take(from = 0) {
    const out = Buffer.allocUnsafe(this.pos - from)
    this.buf.copy(out, 0, from, this.pos)
    this.clear()
    return out
  }

  /** Drop what was written. */
  clear() {
    this.pos = 0
    // A burst of huge frames should not pin a huge buffer for the process's life.
    if (this.buf.length > 4 * 1024 * 1024) {
      this.buf = null
      this.alloc(64 * 1024)
    }
  }

  /**
   * Append `value`. In strict mode a failure appends nothing and throws a
   * SerializationError saying what failed where (`label` names the root, e.g.
   * "the return value"); in lenient mode a description is written instead.
   */
  encode(value, lenient = false, label = 'the value') {
    const start = this.pos
    this.lenient = lenient
    this.ancestors.length = 0
    try {
      this.value(value, '')
    } catch (err) {
      this.pos = start
      const failure = describeFailure(err, label)
      if (!lenient) throw failure
      this.str(`[${failure.message}]`)
    }
  }

  /** Bytes the caller writes verbatim (a frame's fixed prefix). */
  raw(bytes) {
    this.ensure(bytes.length)
    bytes.copy(this.buf, this.pos)
    this.pos += bytes.length
  }

  value(v, key) {
    switch (typeof v) {
      case 'string':
        return this.str(v)
      case 'number':
        return this.num(v)
      case 'boolean':
        this.ensure(1)
        this.buf[this.pos++] = v ? 0xc3 : 0xc2
        return
      case 'object':
        if (v === null) return this.nil()
        return this.object(v, key)
      case 'bigint':
        if (this.lenient) return this.str(`${v}`)
        throw new SerializationError('a BigInt')
      case 'function':
        if (this.lenient) return this.str(`[Function: ${v.name || 'anonymous'}]`)
        throw new SerializationError(`a function (${v.name || 'anonymous'})`)
      default: // undefined, symbol: what JSON writes as null where it keeps a slot
        return this.nil()
    }
  }

  nil() {
    this.ensure(1)
    this.buf[this.pos++] = 0xc0
  }

  num(n) {
    this.ensure(9)
    const buf = this.buf
    if (Number.isInteger(n)) {
      if (n >= 0) {
        if (n < 0x80) buf[this.pos++] = n
        else if (n < 0x100) {
          buf[this.pos++] = 0xcc
          buf[this.pos++] = n
        } else if (n < 0x10000) {
          buf[this.pos++] = 0xcd
          this.view.setUint16(this.pos, n)
          this.pos += 2
        } else if (n < TWO_32) {
          buf[this.pos++] = 0xce
          this.view.setUint32(this.pos, n)
          this.pos += 4
        } else if (n < TWO_64) {
          buf[this.pos++] = 0xcf
          this.view.setUint32(this.pos, Math.floor(n / TWO_32))
          this.view.setUint32(this.pos + 4, n >>> 0)
          this.pos += 8
        } else this.float(n)
      } else if (n >= -0x20) buf[this.pos++] = 0x100 + n
      else if (n >= -0x80) {
        buf[this.pos++] = 0xd0
        this.view.setInt8(this.pos++, n)
      } else if (n >= -0x8000) {
        buf[this.pos++] = 0xd1
        this.view.setInt16(this.pos, n)
        this.pos += 2
      } else if (n >= -0x80000000) {
        buf[this.pos++] = 0xd2
        this.view.setInt32(this.pos, n)
        this.pos += 4
      } else if (n >= -TWO_63) {
        buf[this.pos++] = 0xd3
        this.view.setInt32(this.pos, Math.floor(n / TWO_32))
        this.view.setUint32(this.pos + 4, n >>> 0)
        this.pos += 8
      } else this.float(n)
    } else if (Number.isFinite(n)) this.float(n)
    else this.nil()
  }

  float(n) {
    this.buf[this.pos++] = 0xcb
    this.view.setFloat64(this.pos, n)
    this.pos += 8
  }

  str(s) {
    const len = s.length
    const maxBytes = len * 3
    // The header size is chosen before encoding from the worst case; if the real
    // byte length needs a smaller one the bytes move back (canonical form).
    const head = maxBytes < 0x20 ? 1 : maxBytes < 0x100 ? 2 : maxBytes < 0x10000 ? 3 : 5
    this.ensure(head + maxBytes)
    const start = this.pos + head
    const n = len < 64 ? this.utf8Short(s, start) : this.buf.utf8Write(s, start)
    const fit = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5
    if (fit < head) this.buf.copyWithin(this.pos + fit, start, start + n)
    const buf = this.buf
    const p = this.pos
    if (fit === 1) buf[p] = 0xa0 | n
    else if (fit === 2) {
      buf[p] = 0xd9
      buf[p + 1] = n
    } else if (fit === 3) {
      buf[p] = 0xda
      this.view.setUint16(p + 1, n)
    } else {
      buf[p] = 0xdb
      this.view.setUint32(p + 1, n)
    }
    this.pos = p + fit + n
  }

  // Short strings are cheaper to encode by hand than through a native call.
  utf8Short(s, start) {
    const buf = this.buf
    let p = start
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i)
      if (c < 0x80) buf[p++] = c
      else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6)
        buf[p++] = 0x80 | (c & 0x3f)
      } else {
        if ((c & 0xfc00) === 0xd800) {
          const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
          if ((d & 0xfc00) === 0xdc00) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
            i++
            buf[p++] = 0xf0 | (c >> 18)
            buf[p++] = 0x80 | ((c >> 12) & 0x3f)
            buf[p++] = 0x80 | ((c >> 6) & 0x3f)
            buf[p++] = 0x80 | (c & 0x3f)
            continue
          }
          c = 0xfffd // a lone surrogate, replaced as Buffer#write does
        } else if ((c & 0xfc00) === 0xdc00) c = 0xfffd
        buf[p++] = 0xe0 | (c >> 12)
        buf[p++] = 0x80 | ((c >> 6) & 0x3f)
        buf[p++] = 0x80 | (c & 0x3f)
      }
    }
    return p - start
  }

  bin(bytes) {
    const n = bytes.byteLength
    this.ensure(5 + n)
    if (n < 0x100) {
      this.buf[this.pos++] = 0xc4
      this.buf[this.pos++] = n
    } else if (n < 0x10000) {
      this.buf[this.pos++] = 0xc5
      this.view.setUint16(this.pos, n)
      this.pos += 2
    } else {
      this.buf[this.pos++] = 0xc6
      this.view.setUint32(this.pos, n)
      this.pos += 4
    }
    this.buf.set(bytes, this.pos)
    this.pos += n
  }

  object(v, key, fromToJSON = false) {
    // Bytes are msgpack bin (protocol.schema.json), not JSON's {type, data}.
    if (v instanceof Uint8Array) return this.bin(v)
    if (!fromToJSON && typeof v.toJSON === 'function') return this.fromToJSON(v, key)
    const ancestors = this.ancestors
    if (ancestors.includes(v)) {
      if (this.lenient) return this.str('[Circular]')
      throw new SerializationError('a circular reference')
    }
    const proto = Object.getPrototypeOf(v)
    if (proto !== Object.prototype && proto !== null) {
      if (v instanceof Number || v instanceof String || v instanceof Boolean) return this.value(v.valueOf(), key)
      if (this.lenient && v instanceof Error) return this.map({ name: v.name, message: v.message, stack: v.stack })
    }
    ancestors.push(v)
    if (Array.isArray(v)) this.array(v)
    else this.map(v)
    ancestors.pop()
  }

  // As JSON.stringify: toJSON is called once, and its result is not asked again.
  fromToJSON(v, key) {
    let out
    try {
      out = v.toJSON(key)
    } catch (err) {
      if (this.lenient) return this.str(`[toJSON failed: ${err?.message ?? err}]`)
      throw new SerializationError(`a value whose toJSON failed (${err?.message ?? err})`)
    }
    if (typeof out === 'object' && out !== null) return this.object(out, key, true)
    return this.value(out, key)
  }

  array(v) {
    const n = v.length
    this.ensure(5)
    if (n < 0x10) this.buf[this.pos++] = 0x90 | n
    else if (n < 0x10000) {
      this.buf[this.pos++] = 0xdc
      this.view.setUint16(this.pos, n)
      this.pos += 2
    } else {
      this.buf[this.pos++] = 0xdd
      this.view.setUint32(this.pos, n)
      this.pos += 4
    }
    for (let i = 0; i < n; i++) {
      try {
        this.value(v[i], String(i))
      } catch (err) {
        if (err instanceof SerializationError) err.path.unshift(i)
        throw err
      }
    }
  }

  map(v) {
    const keys = Object.keys(v)
    // Members JSON drops are only known while walking, so room for the largest
    // header is kept and the header shrinks afterwards if the count allows.
    const head = keys.length < 0x10 ? 1 : keys.length < 0x10000 ? 3 : 5
    this.ensure(head)
    const at = this.pos
    this.pos += head
    let count = 0
    for (const k of keys) {
      const item = v[k]
      const type = typeof item
      if (type === 'undefined' || type === 'symbol') continue
      if (type === 'function' && !this.lenient) {
        const err = new SerializationError(`a function (${item.name || 'anonymous'})`)
        err.path.push(k)
        throw err
      }
      this.str(k)
      try {
        this.value(item, k)
      } catch (err) {
        if (err instanceof SerializationError) err.path.unshift(k)
        throw err
      }
      count++
    }
    const fit = count < 0x10 ? 1 : count < 0x10000 ? 3 : 5
    if (fit < head) {
      this.buf.copyWithin(at + fit, at + head, this.pos)
      this.pos -= head - fit
    }
    if (fit === 1) this.buf[at] = 0x80 | count
    else if (fit === 3) {
      this.buf[at] = 0xde
      this.view.setUint16(at + 1, count)
    } else {
      this.buf[at] = 0xdf
      this.view.setUint32(at + 1, count)
    }
  }
}

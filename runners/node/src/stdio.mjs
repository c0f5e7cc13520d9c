// The runner's standard streams (runners/README.md, "Start-up").
//
// The protocol keeps the pipe that was stdout; fd 1 is pointed at stderr before
// any user code loads, so nothing a step prints can corrupt the protocol. What
// user code prints during an invocation or while its file loads becomes a `log`
// note instead, tied to the invocation (iid) or the file (path).

import fs from 'node:fs'
import net from 'node:net'

/**
 * Open the protocol channel on the original stdout and point fd 1 at stderr:
 * `{ out, fd }`, a writable stream on the channel and its descriptor. Must run
 * before anything touches `process.stdout`, which would otherwise bind to the
 * protocol pipe.
 */
export function takeProtocolChannel() {
  // Node has no dup(); opening /proc/self/fd/1 gives a new descriptor on the
  // same pipe ('a', so a stdout redirected to a file is not truncated).
  const fd = reopen(1)
  if (fd === null) return keepSocketStdout()
  fs.closeSync(1)
  // open() takes the lowest free descriptor: 1.
  if (reopen(2) === null) {
    fs.openSync('/dev/null', 'a')
    redirectProcessStdout()
  }
  return { out: writableOn(fd), fd }
}

// A socket cannot be reopened through /proc (ENXIO); a Node parent's 'pipe'
// stdio is a socketpair.
function reopen(fd) {
  try {
    return fs.openSync(`/proc/self/fd/${fd}`, 'a')
  } catch (err) {
    if (err.code === 'ENXIO') return null
    throw err
  }
}

// A pipe or socket gets a non-blocking libuv stream; a file or tty a plain one.
function writableOn(fd) {
  if (isPipe(fd)) return new net.Socket({ fd, readable: false, writable: true })
  return fs.createWriteStream(null, { fd, autoClose: false })
}

function isPipe(fd) {
  const stat = fs.fstatSync(fd)
  return stat.isFIFO() || stat.isSocket()
}

// Bytes read from the protocol pipe at most at a time, into one reused buffer.
const READ_BYTES = 64 * 1024

/**
 * Hand what arrives on the protocol input (fd 0) to `onChunk(bytes, length)`, and call
 * `onEnd()` when it ends. On a pipe, `bytes` is one buffer that every read reuses (its
 * first `length` bytes are new), so `onChunk` must copy what it keeps: the socket's
 * `onread` skips the readable stream's buffering, events and tick per read.
 */
export function readProtocolInput(onChunk, onEnd) {
  if (!isPipe(0)) {
    process.stdin.on('data', (chunk) => onChunk(chunk, chunk.length))
    process.stdin.on('end', onEnd)
    return
  }
  const buffer = Buffer.allocUnsafeSlow(READ_BYTES)
  const callback = (length) => void onChunk(buffer, length)
  const input = new net.Socket({ fd: 0, readable: true, writable: false, onread: { buffer, callback } })
  input.on('end', onEnd)
}

// When fd 1 cannot be re-pointed at stderr, process.stdout (and so console.log)
// is sent there one level up.
function redirectProcessStdout() {
  Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, value: writableOn(2) })
}

// A socket stdout cannot be reopened, so without dup() fd 1 stays the protocol
// and only process.stdout is redirected: a raw write to fd 1 (a child process
// inheriting it) could still reach the protocol. The orchestrator's real pipes
// never take this path.
function keepSocketStdout() {
  redirectProcessStdout()
  return { out: writableOn(1), fd: 1 }
}

/**
 * Turn writes to process.stdout/stderr (and so console.*) made inside an
 * AsyncLocalStorage context into `log` notes; `emit(store, level, msg, source)`
 * sends one. Writes outside any context go to the real stream (fd 1 is stderr).
 * A write over LINE_LIMIT bytes is cut (`capText`): a handler printing 50 MB
 * must not make a 50 MB note, which every other step's call would queue behind.
 */
export function captureOutput(storage, emit) {
  const targets = [
    [process.stdout, 'info', 'stdout'],
    [process.stderr, 'error', 'stderr'],
  ]
  for (const [stream, level, source] of targets) {
    const write = stream.write
    stream.write = function (chunk, encoding, callback) {
      const store = storage.getStore()
      if (store === undefined) return write.apply(this, arguments)
      if (typeof encoding === 'function') callback = encoding
      const text = typeof chunk === 'string' ? capText(withoutNewline(chunk)) : bytesText(chunk, encoding)
      emit(store, level, text, source)
      if (typeof callback === 'function') process.nextTick(callback)
      return true
    }
  }
}

/**
 * Bytes (UTF-8) of one note's text, and the room left for the marker in text that
 * was cut: at most LINE_LIMIT bytes in all (orchestrator/core/truncate.py has the
 * same, so what is sent passes there unchanged).
 */
export const LINE_LIMIT = 64 * 1024
const MARKER_ROOM = 64

/**
 * `text` when its UTF-8 fits in `limit` bytes; else its start (whole characters)
 * and a marker saying how many bytes were cut, in at most `limit` bytes.
 */
export function capText(text, limit = LINE_LIMIT) {
  if (text.length * 3 <= limit) return text // a UTF-16 unit is at most 3 bytes
  const size = Buffer.byteLength(text, 'utf8')
  if (size <= limit) return text
  const keep = limit - MARKER_ROOM
  // The first `keep` units hold at least the first `keep` bytes.
  const head = Buffer.from(text.slice(0, keep), 'utf8')
  const end = characterStart(head, keep)
  return head.toString('utf8', 0, end) + truncationMarker(size - end)
}

// The offset at or before `at` where a character begins.
function characterStart(bytes, at) {
  while (at > 0 && (bytes[at] & 0xc0) === 0x80) at--
  return at
}

export function truncationMarker(dropped) {
  return `… [truncated ${dropped.toLocaleString('en-US')} bytes]`
}

const withoutNewline = (text) => text.endsWith('\n') ? text.slice(0, -1) : text

// A Buffer (or Uint8Array) written, as capped text: only what is kept is decoded.
function bytesText(chunk, encoding) {
  const bytes = ArrayBuffer.isView(chunk) ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.from(chunk)
  const charset = typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8'
  if (!['utf8', 'utf-8'].includes(charset.toLowerCase())) return capText(withoutNewline(bytes.toString(charset)))
  const length = bytes.length - (bytes[bytes.length - 1] === 0x0a ? 1 : 0)
  if (length <= LINE_LIMIT) return bytes.toString('utf8', 0, length)
  const end = characterStart(bytes, LINE_LIMIT - MARKER_ROOM)
  return bytes.toString('utf8', 0, end) + truncationMarker(length - end)
}

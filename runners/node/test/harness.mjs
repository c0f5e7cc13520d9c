// Plays the orchestrator against a real runner (or echo) process: frames go to
// its stdin, frames come back on its stdout, its stderr is kept for asserts.
// Encoding and decoding here use msgpackr directly, independent of the
// runner's own encoder.

import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, constants, cpSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Packr, Unpackr } from 'msgpackr'

export const SRC = fileURLToPath(new URL('../src/', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const SUFFIX = '.fixture'

const packr = new Packr({ useRecords: false, variableMapSize: true })
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' })

/** A frame's bytes: a 4-byte big-endian length, then the msgpack map. */
export function framed(body) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(body.length)
  return Buffer.concat([length, body])
}

/**
 * A copy of a fixture project in a fresh temporary folder (outside the
 * runner's tree, so no node_modules above it), with the `.fixture` suffix of
 * its JavaScript files removed (fixtures/README.md says why they have one).
 */
export function copyFixture(name = 'project') {
  const dir = mkdtempSync(join(tmpdir(), 'steppe-node-'))
  cpSync(join(FIXTURES, name), dir, { recursive: true })
  for (const file of readdirSync(dir, { recursive: true })) {
    if (file.endsWith(SUFFIX)) renameSync(join(dir, file), join(dir, file.slice(0, -SUFFIX.length)))
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

// Node's own 'pipe' stdio is a socketpair; the orchestrator gives the runner
// real pipes, which is what the runner reopens through /proc. A FIFO is one.
function pipe() {
  const dir = mkdtempSync(join(tmpdir(), 'steppe-fifo-'))
  const path = join(dir, 'fifo')
  execFileSync('mkfifo', [path])
  const readEnd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  const writeEnd = openSync(path, constants.O_WRONLY)
  rmSync(dir, { recursive: true })
  return { writeEnd, reader: new net.Socket({ fd: readEnd, readable: true, writable: false }) }
}

export class Peer {
  /**
   * Spawn `script` (a file in src/) with `args`; stdout and stderr are real
   * pipes unless `sockets` asks for Node's default socketpairs.
   */
  constructor(script, args = [], { sockets = false } = {}) {
    const argv = [resolve(SRC, script), ...args]
    let stdout, stderr
    if (sockets) {
      this.child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] })
      ;({ stdout, stderr } = this.child)
    } else {
      const out = pipe()
      const err = pipe()
      this.child = spawn(process.execPath, argv, { stdio: ['pipe', out.writeEnd, err.writeEnd] })
      closeSync(out.writeEnd)
      closeSync(err.writeEnd)
      stdout = out.reader
      stderr = err.reader
    }
    this.stdout = stdout // paused, the runner's answers back up in the pipe
    this.nextId = 1
    this.waiting = new Map()
    this.unclaimed = new Map() // responses that came before anyone asked for them
    this.notes = []
    this.noteWaiters = []
    this.requests = [] // requests the runner sent us
    this.answer = () => ({ ok: true, r: null })
    this.frames = []
    this.stderr = ''
    stderr.setEncoding('utf8').on('data', (text) => (this.stderr += text))
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })))
    let rest = Buffer.alloc(0)
    stdout.on('data', (chunk) => {
      rest = Buffer.concat([rest, chunk])
      while (rest.length >= 4 && rest.length >= 4 + rest.readUInt32BE(0)) {
        const end = 4 + rest.readUInt32BE(0)
        this.receive(unpackr.unpack(rest.subarray(4, end)))
        rest = rest.subarray(end)
      }
    })
  }

  receive(frame) {
    this.frames.push(frame)
    if (frame.t === 'res') {
      const resolve = this.waiting.get(frame.id)
      this.waiting.delete(frame.id)
      if (resolve) resolve(frame)
      else this.unclaimed.set(frame.id, frame)
    } else if (frame.t === 'note') {
      this.notes.push(frame)
      this.noteWaiters = this.noteWaiters.filter(({ test, resolve }) => !(test(frame) && (resolve(frame), true)))
    } else if (frame.t === 'req') {
      this.requests.push(frame)
      Promise.resolve(this.answer(frame.m, frame.p, frame)).then((reply) => {
        if (reply !== undefined) this.send({ t: 'res', id: frame.id, ...reply })
      })
    }
  }

  send(frame) {
    this.child.stdin.write(framed(packr.pack(frame)))
  }

  /** Send a request; resolves with the whole response frame. */
  request(m, p) {
    const id = this.nextId++
    const done = this.response(id)
    this.send({ t: 'req', id, m, p })
    return done
  }

  /** Resolves with the response to request `id` (already received or to come). */
  response(id) {
    const arrived = this.unclaimed.get(id)
    this.unclaimed.delete(id)
    if (arrived) return Promise.resolve(arrived)
    return new Promise((resolve) => this.waiting.set(id, resolve))
  }

  /** Resolves with the first note (already received or to come) that passes `test`. */
  note(test) {
    const seen = this.notes.find(test)
    if (seen) return Promise.resolve(seen)
    return new Promise((resolve) => this.noteWaiters.push({ test, resolve }))
  }

  ready() {
    return this.note((n) => n.m === 'ready')
  }

  async close() {
    this.child.stdin.end()
    return this.exited
  }
}

/** A runner serving the project in `dir`, once it said ready. */
export async function startRunner(dir) {
  const peer = new Peer('runner.mjs', ['--project', dir])
  await peer.ready()
  return peer
}

/** The result of a response that must be ok. */
export function expectOk(res) {
  assert.equal(res.ok, true, `expected ok, got ${JSON.stringify(res.e)}`)
  return res.r
}

/** The error of a response that must have failed. */
export function expectError(res) {
  assert.equal(res.ok, false, `expected an error, got ${JSON.stringify(res.r)}`)
  return res.e
}

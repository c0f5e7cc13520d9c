// Steppe's Node runner: one long-lived process serving every .ts/.js/.mjs/.cjs
// step file of a project over msgpack RPC on stdio (runners/README.md).
//
//   node runners/node/src/runner.mjs --project DIR

import { AsyncLocalStorage } from 'node:async_hooks'
import { resolve } from 'node:path'
import { createContext, Invocation } from './context.mjs'
import { errorInfo } from './errors.mjs'
import { LoadError, Loader } from './loader.mjs'
import { FrameDecoder, FrameWriter } from './protocol.mjs'
import { Session } from './session.mjs'
import { captureOutput, takeProtocolChannel } from './stdio.mjs'

// First, before anything can touch process.stdout (none of the modules above does).
const protocolOut = takeProtocolChannel()

function projectDir(argv) {
  const at = argv.indexOf('--project')
  if (at !== -1 && argv[at + 1]) return resolve(argv[at + 1])
  const inline = argv.find((arg) => arg.startsWith('--project='))
  return resolve(inline ? inline.slice('--project='.length) : '.')
}

class Runner {
  constructor(writer, session, loader, storage) {
    this.writer = writer
    this.session = session
    this.loader = loader
    this.storage = storage
    this.inflight = new Map() // iid → Invocation, until it settles or is cancelled
    this.stopping = false
    this.shutdownId = null // the shutdown request still to answer
  }

  dispatch(frame) {
    if (frame.t === 'req') this.request(frame.id, frame.m, frame.p)
    else if (frame.t === 'res') this.session.settle(frame)
    else if (frame.m === 'cancel') this.cancel(frame.p?.iid)
  }

  request(id, method, p) {
    if (this.stopping && method !== 'ping') {
      return this.writer.error(id, { name: 'ShuttingDown', message: `the runner is shutting down; ${method} refused` })
    }
    if (method === 'ping') return this.writer.response(id, p)
    if (typeof p !== 'object' || p === null) {
      return this.writer.error(id, { name: 'InvalidParams', message: `${method} takes a map of parameters` })
    }
    try {
      switch (method) {
        case 'invoke':
          return this.invoke(id, p)
        case 'load':
          return this.load(id, p)
        case 'unload':
          this.loader.unload(p.path)
          return this.writer.response(id, null)
        case 'shutdown':
          this.stopping = true
          this.shutdownId = id
          return this.finishShutdown()
        default:
          return this.writer.error(id, { name: 'UnknownMethod', message: `unknown method ${JSON.stringify(method)}` })
      }
    } catch (err) {
      // Parameters of the wrong shape (a path that is not a string, say).
      this.writer.error(id, errorInfo(err))
    }
  }

  load(id, p) {
    this.loader.load(p.path, p.kind ?? 'step').then(
      // A config may hold what JSON cannot (middleware functions): described, not refused.
      (result) => this.writer.response(id, result, 'the config', true),
      (err) => this.writer.error(id, err instanceof LoadError ? err.info : errorInfo(err)),
    )
  }

  invoke(id, p) {
    const functions = this.loader.get(p.path)
    const name = p.fn ?? 'handler'
    const fn = functions?.[name]
    if (typeof fn !== 'function') {
      const error = functions
        ? { name: 'NoSuchFunction', message: `${p.path} does not export a ${name} function` }
        : { name: 'NotLoaded', message: `${p.path} is not loaded` }
      return this.writer.error(id, error)
    }
    const invocation = new Invocation(p.iid, this.session)
    const context = createContext(invocation, p.ctx)
    this.inflight.set(p.iid, invocation)
    // A stream's canAccess takes Motia's (subscription, authContext), not (input, context).
    const args =
      name === 'canAccess' ? [p.input?.subscription, p.input?.authContext] : 'input' in p ? [p.input, context] : [context]
    let result
    try {
      result = this.storage.run(invocation, fn, ...args)
    } catch (err) {
      return this.finish(id, invocation, false, err)
    }
    if (typeof result?.then === 'function') {
      result.then(
        (value) => this.finish(id, invocation, true, value),
        (err) => this.finish(id, invocation, false, err),
      )
    } else this.finish(id, invocation, true, result)
  }

  finish(id, invocation, ok, value) {
    if (this.inflight.get(invocation.iid) === invocation) this.inflight.delete(invocation.iid)
    if (ok) {
      try {
        this.writer.response(id, value, 'the return value')
      } catch (err) {
        this.writer.error(id, { name: err.name, message: err.message, stack: null })
      }
    } else this.writer.error(id, errorInfo(value))
    if (this.stopping) this.finishShutdown()
  }

  // Node cannot stop a running handler; the orchestrator gave up on it, so its
  // later calls back are refused and shutdown no longer waits for it.
  cancel(iid) {
    const invocation = this.inflight.get(iid)
    if (invocation === undefined) return
    invocation.cancelled = true
    this.inflight.delete(iid)
    if (this.stopping) this.finishShutdown()
  }

  finishShutdown() {
    if (this.shutdownId === null || this.inflight.size > 0) return
    this.writer.response(this.shutdownId, null)
    this.shutdownId = null
    this.writer.flush()
    protocolOut.end(() => process.exit(0))
  }
}

function main() {
  const project = projectDir(process.argv.slice(2))
  process.chdir(project) // as under Motia: relative paths in steps mean the project's
  process.setSourceMapsEnabled(true) // stacks of .ts steps point at .ts lines

  const writer = new FrameWriter(protocolOut)
  const session = new Session(writer)
  const storage = new AsyncLocalStorage()
  // A store is an Invocation (iid) while a handler runs, or {path} while a file loads.
  const log = (store, level, msg, source) => {
    if (store.iid !== undefined) session.note('log', { iid: store.iid, level, msg, source })
    else session.note('log', { path: store.path, level, msg, source })
  }
  captureOutput(storage, log)
  const runner = new Runner(writer, session, new Loader(project, storage), storage)

  // A step's stray rejection or exception must not take every other step down.
  const report = (what) => (err) => {
    const text = `${what}: ${errorInfo(err).stack ?? String(err)}`
    const store = storage.getStore()
    if (store !== undefined) log(store, 'error', text, 'stderr')
    else process.stderr.write(`${text}\n`)
  }
  process.on('uncaughtException', report('uncaught exception'))
  process.on('unhandledRejection', report('unhandled rejection'))

  protocolOut.on('error', (err) => {
    // The orchestrator closed the pipe: nobody is left to serve.
    if (err.code !== 'EPIPE') process.stderr.write(`steppe node runner: protocol pipe: ${err.message}\n`)
    process.exit(err.code === 'EPIPE' ? 0 : 1)
  })

  const decoder = new FrameDecoder()
  process.stdin.on('data', (chunk) => {
    let frames
    try {
      frames = decoder.feed(chunk)
    } catch (err) {
      process.stderr.write(`steppe node runner: ${err.message}\n`)
      process.exit(1)
    }
    for (const frame of frames) runner.dispatch(frame)
  })
  process.stdin.on('end', () => process.exit(0))

  session.note('ready', { language: 'node', pid: process.pid, runtime: `node ${process.version}` })
}

main()

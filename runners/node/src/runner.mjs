// Steppe's Node runner: one long-lived process serving every .ts/.js/.mjs/.cjs
// step file of a project over msgpack RPC on stdio (runners/README.md).
//
//   node runners/node/src/runner.mjs --project DIR

import { readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { createContext, Invocation } from './context.mjs'
import { storage, useSession } from './current.mjs'
import { errorInfo } from './errors.mjs'
import { LoadError, Loader } from './loader.mjs'
import { FrameWriter, frameReader, refuseBadFrame } from './framing.mjs'
import { Session } from './session.mjs'
import { captureOutput, readProtocolInput, takeProtocolChannel } from './stdio.mjs'
import { triggerCall, triggerContext } from './triggers.mjs'

// First, before anything can touch process.stdout (none of the modules above does).
const { out: protocolOut, fd: protocolFd } = takeProtocolChannel()

const USAGE = 'usage: node runner.mjs --project DIR'
// The methods whose parameters are a map naming a file.
const FILE_METHODS = new Set(['invoke', 'load', 'unload'])
const METHODS = new Set([...FILE_METHODS, 'ping', 'shutdown'])
// Milliseconds between checks that the orchestrator that started the runner is still its parent.
const PARENT_CHECK_MS = 1000
// The protocol version this runner speaks, from the schema shipped with it (runners/ and
// schemas/ sit side by side in the repository and in the installed package).
const PROTOCOL = JSON.parse(
  readFileSync(new URL('../../../schemas/protocol.schema.json', import.meta.url), 'utf8'),
).protocolVersion

// The project folder named by --project DIR (or --project=DIR), or null.
function projectDir(argv) {
  const at = argv.indexOf('--project')
  const inline = argv.find((arg) => arg.startsWith('--project='))
  const given = at !== -1 ? argv[at + 1] : inline?.slice('--project='.length)
  if (!given) return null
  const dir = resolve(given)
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? dir : null
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

  // A frame skipped: a request is answered BadFrame; an answer to a context call fails that call.
  badFrame(bad) {
    if (bad.head.t === 'res' && Number.isSafeInteger(bad.head.id)) {
      const e = { name: 'BadFrame', message: `the node runner could not decode the answer: ${bad.reason}` }
      this.session.settle({ t: 'res', id: bad.head.id, ok: false, e })
    } else refuseBadFrame(this.writer, bad, 'node runner')
  }

  request(id, method, p) {
    if (method === 'ping') return this.writer.response(id, p)
    const refused = this.refusal(method, p)
    if (refused) return this.writer.error(id, refused)
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
      }
    } catch (err) {
      this.writer.error(id, errorInfo(err))
    }
  }

  // Why a request is not served, checked in this order (runners/README.md, "Errors").
  refusal(method, p) {
    if (this.stopping) {
      return { name: 'ShuttingDown', message: `the node runner is shutting down; ${method} refused`, retryable: true }
    }
    if (!METHODS.has(method)) return { name: 'UnknownMethod', message: `the node runner has no method ${JSON.stringify(method)}` }
    if (FILE_METHODS.has(method) && (typeof p !== 'object' || p === null || typeof p.path !== 'string')) {
      return { name: 'InvalidParams', message: `${method} takes a map with a path` }
    }
    return null
  }

  load(id, p) {
    this.loader.load(p.path, p.kind ?? 'step').then(
      // A config may hold what JSON cannot (a stream's canAccess): described, not refused.
      (result) => this.writer.response(id, result, 'the config', true),
      (err) => this.writer.error(id, err instanceof LoadError ? err.info : errorInfo(err)),
    )
  }

  invoke(id, p) {
    const functions = this.loader.get(p.path)
    const name = p.fn ?? 'handler'
    if (typeof functions?.[name] !== 'function') {
      const error = functions
        ? { name: 'NoSuchFunction', message: `${p.path} defines no function ${JSON.stringify(name)}` }
        : { name: 'NotLoaded', message: `${p.path} is not loaded in the node runner` }
      return this.writer.error(id, error)
    }
    const v1 = p.trigger !== undefined && p.trigger !== null
    const invocation = new Invocation(p.iid, id, this.session)
    // The `motia` module's functions act for the invocation through its context.
    const context = (invocation.context = createContext(invocation, p.ctx, v1))
    this.inflight.set(p.iid, invocation)
    let result
    try {
      result = v1 ? this.callTrigger(invocation, functions, name, p, context) : this.call(invocation, functions[name], name, p, context)
    } catch (err) {
      return this.settle(invocation, false, err)
    }
    if (typeof result?.then === 'function') {
      result.then((value) => this.settle(invocation, true, value), (err) => this.settle(invocation, false, err))
    } else this.settle(invocation, true, result)
  }

  // Motia 0.17's shapes: a stream's canAccess takes (subscription, authContext); its
  // onJoin/onLeave (Motia 1.0) take (subscription, context, authContext); the rest
  // (input, context), or the context alone when there is no input (cron handlers).
  call(invocation, fn, name, p, context) {
    const storage = this.storage
    if (name === 'canAccess') return storage.run(invocation, fn, p.input?.subscription, p.input?.authContext)
    if (name === 'onJoin' || name === 'onLeave') {
      return storage.run(invocation, fn, p.input?.subscription, context, p.input?.authContext)
    }
    return 'input' in p ? storage.run(invocation, fn, p.input, context) : storage.run(invocation, fn, context)
  }

  // Motia 1.0's shapes when the invoke names a trigger (triggers.mjs).
  callTrigger(invocation, functions, name, p, context) {
    const { fn, input, response } = triggerCall(functions, name, p, invocation)
    invocation.response = response
    Object.assign(context, triggerContext(p.trigger, input, context.logger))
    return this.storage.run(invocation, fn, input, context)
  }

  // A streamed answer is ended (or dropped, on failure) before the invoke is answered.
  settle(invocation, ok, value) {
    const response = invocation.response
    if (response === undefined) return this.finish(invocation, ok, value)
    response.settle(ok).then(() => this.finish(invocation, ok, ok ? response.result(value) : value))
  }

  finish(invocation, ok, value) {
    if (invocation.cancelled) return // answered when it was cancelled
    if (this.inflight.get(invocation.iid) === invocation) this.inflight.delete(invocation.iid)
    // The answer of the last invocation in flight goes out now; while others run,
    // answers finished in the same turn share the scheduled write.
    const now = this.inflight.size === 0
    if (now) this.writer.hold()
    try {
      this.answer(invocation.requestId, ok, value)
    } finally {
      if (now) this.writer.release()
    }
    if (this.stopping) this.finishShutdown()
  }

  answer(id, ok, value) {
    if (!ok) return this.writer.error(id, errorInfo(value))
    try {
      this.writer.response(id, value, 'the return value')
    } catch (err) {
      this.writer.error(id, { name: err.name, message: err.message, stack: null })
    }
  }

  // Node cannot stop a running handler; the orchestrator gave up on it, so it
  // is answered now, its later calls back are refused, its result is dropped,
  // and shutdown no longer waits for it.
  cancel(iid) {
    const invocation = this.inflight.get(iid)
    if (invocation === undefined) return
    invocation.cancelled = true
    invocation.response?.abort()
    this.inflight.delete(iid)
    const message = `invocation ${iid} was cancelled by the orchestrator`
    this.writer.error(invocation.requestId, { name: 'Cancelled', message })
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

// Whether the runner leads its own process group, as the orchestrator starts it.
// Such a runner takes the group along when the orchestrator is gone (SIGKILL to
// pid 0, itself included): what its steps started goes too, as it would have
// under the orchestrator.
function leadsProcessGroup() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === process.pid
  } catch {
    return false // not Linux
  }
}

// Exit once the orchestrator is gone even if stdin cannot tell (a handler blocks
// the event loop: `while (true) {}`): a worker thread sees the parent pid change
// when the orphan is adopted (by init or a subreaper) and kills the process,
// which its blocked main thread could not exit.
function exitWithParent(target) {
  const watch = `const { workerData: { parent, target } } = require('node:worker_threads')
setInterval(() => { if (process.ppid !== parent) process.kill(target, 'SIGKILL') }, ${PARENT_CHECK_MS})`
  new Worker(watch, { eval: true, workerData: { parent: process.ppid, target } }).unref()
}

function main() {
  const project = projectDir(process.argv.slice(2))
  if (project === null) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(2)
  }
  const leadsGroup = leadsProcessGroup()
  exitWithParent(leadsGroup ? 0 : process.pid)
  process.chdir(project) // as under Motia: relative paths in steps mean the project's
  process.setSourceMapsEnabled(true) // stacks of .ts steps point at .ts lines

  const writer = new FrameWriter(protocolOut, protocolFd)
  const session = new Session(writer)
  useSession(session)
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
    else if (leadsGroup) process.kill(0, 'SIGKILL')
    process.exit(err.code === 'EPIPE' ? 0 : 1)
  })

  const onChunk = frameReader(
    'steppe node runner',
    writer,
    (frame) => runner.dispatch(frame),
    (bad) => runner.badFrame(bad),
  )
  // The input ended: the orchestrator is gone, and so is what the runner's steps started.
  readProtocolInput(onChunk, () => {
    if (leadsGroup) process.kill(0, 'SIGKILL')
    process.exit(0)
  })
  session.note('ready', { language: 'node', pid: process.pid, runtime: `node ${process.version}`, protocol: PROTOCOL })
}

main()

// The handler context (docs/reference.md §3, runners/README.md "The context"): each
// capability is a request to the orchestrator carrying the invocation id.
//
// The context is a plain object whose members are own properties, so the
// shapes steps use all work: `{ emit, state, logger }` destructured, `ctx.emit`,
// or `{ ...ctx, extra }` passed on to a helper.

import { inspect } from 'node:util'

const LEVELS = ['debug', 'info', 'warn', 'error']

/** One invocation in flight: its id, the invoke request's id, and whether the orchestrator gave up on it. */
export class Invocation {
  constructor(iid, requestId, session) {
    this.iid = iid
    this.requestId = requestId
    this.session = session
    this.cancelled = false
    // Set by the runner, or on first use: declared here so every invocation has one shape.
    this.context = undefined // the handler's context
    this.response = undefined // a Motia 1.0 http trigger's streamed response
    this.moduleCalls = undefined // the `motia` module's state and streams
  }

  call(method, params) {
    if (this.cancelled) {
      const err = new Error(`invocation ${this.iid} was cancelled by the orchestrator; its ${method} call is refused`)
      err.name = 'Cancelled'
      return Promise.reject(err)
    }
    return this.session.request(method, params)
  }

  log(level, msg, fields, source) {
    this.session.note('log', { iid: this.iid, level, msg, fields, source })
  }
}

export function logFields(fields) {
  if (fields === undefined || fields === null) return undefined
  if (typeof fields === 'object' && !Array.isArray(fields) && !(fields instanceof Error)) return fields
  // The protocol's `fields` is a map; anything else is kept under one key.
  return fields instanceof Error ? { error: fields } : { value: fields }
}

class Logger {
  constructor(invocation) {
    this.invocation = invocation
  }
}
for (const level of LEVELS) {
  Logger.prototype[level] = function (msg, fields) {
    this.invocation.log(level, typeof msg === 'string' ? msg : inspect(msg), logFields(fields), 'logger')
  }
}

// `v1`: answer in Motia 1.0's shapes (motia-js src/new/state.ts, src/new/stream.ts):
// `set` resolves to {new_value, old_value}, a stream's `delete` to nothing. 0.17's
// `set` resolves to the value (the stored item).
class State {
  constructor(invocation, v1) {
    this.invocation = invocation
    this.v1 = v1
  }

  get(group, key) {
    return this.invocation.call('state.get', { iid: this.invocation.iid, group, key })
  }

  set(group, key, value) {
    return this.invocation.call(this.v1 ? 'state.replace' : 'state.set', { iid: this.invocation.iid, group, key, value })
  }

  delete(group, key) {
    return this.invocation.call('state.delete', { iid: this.invocation.iid, group, key })
  }

  getGroup(group) {
    return this.invocation.call('state.getGroup', { iid: this.invocation.iid, group })
  }

  clear(group) {
    return this.invocation.call('state.clear', { iid: this.invocation.iid, group })
  }

  // Motia 1.0 (motia-js/packages/motia/src/new/state.ts): `update` applies UpdateOp[]
  // atomically and resolves to { old_value, new_value }.
  list(group) {
    return this.invocation.call('state.list', { iid: this.invocation.iid, group })
  }

  listGroups() {
    return this.invocation.call('state.listGroups', { iid: this.invocation.iid })
  }

  update(group, key, ops) {
    return this.invocation.call('state.update', { iid: this.invocation.iid, group, key, ops })
  }
}

class Stream {
  constructor(invocation, stream, v1) {
    this.invocation = invocation
    this.stream = stream
    this.v1 = v1
  }

  get(groupId, id) {
    return this.invocation.call('streams.get', { iid: this.invocation.iid, stream: this.stream, groupId, id })
  }

  set(groupId, id, data) {
    const method = this.v1 ? 'streams.replace' : 'streams.set'
    return this.invocation.call(method, { iid: this.invocation.iid, stream: this.stream, groupId, id, data })
  }

  delete(groupId, id) {
    const deleted = this.invocation.call('streams.delete', { iid: this.invocation.iid, stream: this.stream, groupId, id })
    return this.v1 ? deleted.then(() => undefined) : deleted
  }

  getGroup(groupId) {
    return this.invocation.call('streams.getGroup', { iid: this.invocation.iid, stream: this.stream, groupId })
  }

  send(channel, event) {
    return this.invocation.call('streams.send', { iid: this.invocation.iid, stream: this.stream, channel, event })
  }

  // Motia 1.0 (motia-js/packages/motia/src/new/stream.ts).
  list(groupId) {
    return this.invocation.call('streams.list', { iid: this.invocation.iid, stream: this.stream, groupId })
  }

  listGroups() {
    return this.invocation.call('streams.listGroups', { iid: this.invocation.iid, stream: this.stream })
  }

  update(groupId, id, ops) {
    return this.invocation.call('streams.update', { iid: this.invocation.iid, stream: this.stream, groupId, id, ops })
  }
}

// `streams` accepts any name (`streams['chat-messages']`, `streams.chatMessages`):
// whether the stream exists is the orchestrator's answer. `then` is not a
// stream, so that awaiting `streams` by mistake does not hang. The proxy's handler
// (each trap gets it as `this`) holds the invocation; its target is one empty object
// for every invocation, frozen so that nothing written to one `streams` reaches another.
class StreamsHandler {
  constructor(invocation, v1) {
    this.invocation = invocation
    this.v1 = v1
    this.opened = null // name → Stream, from the first stream used
  }

  get(_target, name) {
    if (typeof name !== 'string' || name === 'then' || name === 'toJSON') return undefined
    this.opened ??= new Map()
    let stream = this.opened.get(name)
    if (stream === undefined) this.opened.set(name, (stream = new Stream(this.invocation, name, this.v1)))
    return stream
  }

  // A property set on `streams` is dropped, as a stream is never a stored member.
  set() {
    return true
  }
}

const STREAMS_TARGET = Object.freeze(Object.create(null))

function streamsOf(invocation, v1) {
  return new Proxy(STREAMS_TARGET, new StreamsHandler(invocation, v1))
}

/**
 * The `motia` module's state and streams for an invocation, made once: Motia 1.0's
 * shapes, whichever kind of step calls them.
 */
export function moduleCalls(invocation) {
  invocation.moduleCalls ??= { state: new State(invocation, true), streams: streamsOf(invocation, true) }
  return invocation.moduleCalls
}

/**
 * The context object handed to a handler; `ctx` is the invoke request's
 * {traceId, traceparent, step, flows}. `traceparent` is the W3C header of this
 * invocation's span, for an outbound HTTP call to pass on. `v1` (the invoke names a
 * Motia 1.0 trigger): `state` and `streams` are the module's, as in Motia 1.0's release
 * candidates, whose FlowContext held `state: stateManager` (src/new/build/utils.ts).
 */
export function createContext(invocation, ctx, v1 = false) {
  const calls = v1 ? moduleCalls(invocation) : null
  const emit = (event) =>
    invocation.call('emit', {
      iid: invocation.iid,
      topic: event?.topic,
      data: event?.data,
      idempotencyKey: event?.idempotencyKey,
      messageGroupId: event?.messageGroupId,
      delaySeconds: event?.delaySeconds,
      delay: event?.delay,
    })
  return {
    traceId: ctx?.traceId,
    traceparent: ctx?.traceparent,
    flows: ctx?.flows ?? [],
    logger: new Logger(invocation),
    emit,
    enqueue: emit, // Motia 1.0's name for emit
    state: calls === null ? new State(invocation, false) : calls.state,
    streams: calls === null ? streamsOf(invocation, false) : calls.streams,
  }
}

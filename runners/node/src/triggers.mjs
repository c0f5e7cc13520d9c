// Calling a Motia 1.0 step the 1.0 way (runners/README.md, `invoke` with `trigger`),
// as Motia 1.0's motia-js/packages/motia/src/new/build/utils.ts does:
//
//   http   handler({request, response}, ctx), the trigger's middleware around it as
//          (args, ctx, next); the request's fields also at the top level (the older RC
//          form, `input.body`); a condition gets the plain request the orchestrator sent
//   queue  handler(data, ctx)     cron  handler(undefined, ctx)
//   state / stream  handler(event, ctx), the event as the orchestrator sent it
//
// and the context gains `trigger`, `is`, `getData`, `match` (flowContext in utils.ts).

import { Readable, Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { TRIGGER_MIDDLEWARE, withMiddleware } from './middleware.mjs'

const TYPES = ['queue', 'http', 'cron', 'state', 'stream']
const yes = () => true
const no = () => false
// The context's `is` for each trigger type ({http: () => true, queue: () => false, …}),
// made once; each invocation gets its own copy.
const IS = new Map(TYPES.map((type) => [type, Object.fromEntries(TYPES.map((other) => [other, other === type ? yes : no]))]))
const IS_NONE = Object.fromEntries(TYPES.map((type) => [type, no]))

/**
 * Motia 1.0's `response` (types.ts MotiaHttpResponse): status() and headers() set what an
 * empty return answers, or the head of a streamed answer; `stream` is a Writable whose
 * chunks go to the orchestrator as `response.write` requests (runners/README.md), the
 * first carrying the status and headers. Each request is answered once the chunk is in
 * the response's bounded buffer, so a slow client holds writes back: `write()` returns
 * false past the highWaterMark and 'drain' follows, as on Node's own http response.
 */
export class HttpResponse {
  constructor(invocation) {
    this.invocation = invocation
    this.statusCode = undefined
    this.headerMap = {}
    this.started = false // the head was sent
    this.stream = new Writable({
      writev: (chunks, done) => this.send({ data: Buffer.concat(chunks.map(({ chunk }) => chunk)) }, done),
      final: (done) => this.send({ end: true }, done),
    })
    // A failed write (the client left, the invocation was cancelled) reaches the
    // handler through write callbacks, `destroyed` and 'close'; unheard, it must not
    // become an uncaught exception.
    this.stream.on('error', () => {})
  }

  status(code) {
    this.statusCode = code
  }

  headers(map) {
    Object.assign(this.headerMap, map)
  }

  /** Motia's `response.close()`: the end of the streamed answer. */
  close() {
    this.stream.end()
  }

  send(fields, done) {
    const params = { iid: this.invocation.iid, ...fields }
    if (!this.started) {
      this.started = true
      Object.assign(params, { status: this.statusCode ?? 200, headers: this.headerMap })
    }
    this.invocation.call('response.write', params).then(() => done(), done)
  }

  /** Whether the handler used `stream` (or `close()`): its answer is the stream. */
  get streamed() {
    return this.started || this.stream.writableLength > 0 || this.stream.writableEnded || this.stream.destroyed
  }

  /**
   * Before the invocation is answered: a stream the handler left open is ended and its
   * chunks sent (`ok`), or dropped (it threw), so that none arrives after the answer.
   */
  async settle(ok) {
    if (!this.streamed) return
    if (!ok) return void this.stream.destroy()
    if (!this.stream.writableEnded) this.stream.end()
    await finished(this.stream).catch(() => {})
  }

  /** The orchestrator abandoned the invocation: writes fail from now on. */
  abort() {
    const err = new Error('the response is over: the client disconnected or the handler timed out')
    err.name = 'Cancelled'
    this.stream.destroy(err)
  }

  /** What the orchestrator gets for the handler's `value`: the value, or (none) the status and headers set. */
  result(value) {
    if (this.streamed) return null
    if (value === undefined || value === null) return { status: this.statusCode ?? 200, headers: this.headerMap }
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(this.headerMap).length) {
      return { ...value, headers: { ...this.headerMap, ...(value.headers ?? {}) } }
    }
    return value
  }
}

/**
 * Motia 1.0's `request.requestBody` (iii-sdk's ChannelReader, sdk/packages/node/iii/src/
 * channels.ts): the raw body. The orchestrator read it whole before the handler ran and
 * sends it as bytes, so `stream` is a Readable over that one Buffer, made when first used.
 */
export class RequestBody {
  constructor(bytes) {
    this.bytes = bytes instanceof Uint8Array ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) : Buffer.alloc(0)
    this.readable = null
  }

  get stream() {
    if (this.readable === null) {
      this.readable = new Readable({ read() {} })
      if (this.bytes.length) this.readable.push(this.bytes)
      this.readable.push(null)
    }
    return this.readable
  }

  async readAll() {
    return this.bytes
  }

  /** Text messages come over iii's channel only; a request body has none. */
  onMessage() {}

  close() {
    this.readable?.destroy()
  }
}

/**
 * The call of `name` (handler or condition:<i>) for invoke params `p` with a `trigger`:
 * {fn, input, response?}. `fn` is the handler with the http trigger's middleware around it;
 * `response` writes through `invocation`.
 */
export function triggerCall(functions, name, p, invocation) {
  const trigger = p.trigger
  const fn = functions[name]
  if (trigger.type !== 'http' || name !== 'handler') return { fn, input: p.input }
  const response = new HttpResponse(invocation)
  const request = p.input?.request ?? {}
  request.requestBody = new RequestBody(request.requestBody)
  const input = { ...request, request, response }
  const middleware = functions[TRIGGER_MIDDLEWARE]?.[trigger.index] ?? []
  return { fn: withMiddleware(fn, middleware), input, response }
}

/** Motia 1.0's additions to the context for one trigger and the input the function gets. */
export function triggerContext(trigger, input, logger) {
  return {
    trigger,
    is: { ...(IS.get(trigger.type) ?? IS_NONE) },
    getData() {
      if (trigger.type !== 'http') return input
      // A handler's input is {request, …}; a condition's is the plain request.
      return input?.request !== undefined ? input.request.body : input?.body
    },
    async match(handlers) {
      const chosen = handlers?.[trigger.type]
      if (trigger.type === 'queue' && chosen) return void (await chosen(input))
      if (trigger.type === 'cron' && chosen) return void (await chosen())
      if (chosen) return await chosen(input)
      if (handlers?.default) return await handlers.default(input)
      const available = Object.keys(handlers ?? {})
      logger.warn(`No handler matched for trigger type: ${trigger.type}`, {
        availableHandlers: available.filter((key) => key !== 'default'),
        triggerType: trigger.type,
      })
      throw new Error(`No handler matched for trigger type: ${trigger.type}. Available handlers: ${available.join(', ')}`)
    },
  }
}

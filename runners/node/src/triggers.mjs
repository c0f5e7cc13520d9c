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

import { TRIGGER_MIDDLEWARE, withMiddleware } from './middleware.mjs'

const TYPES = ['queue', 'http', 'cron', 'state', 'stream']

function notYet(what) {
  const err = new Error(`${what} is not yet supported by Steppe; return {status, body, headers} instead`)
  err.name = 'NotSupported'
  return err
}

// `response.stream` (server-sent events, streamed bodies) is not built yet: every use says so.
class UnsupportedStream {}
for (const method of ['write', 'end', 'on', 'once', 'pipe', 'emit', 'cork', 'uncork', 'destroy', 'setDefaultEncoding']) {
  UnsupportedStream.prototype[method] = () => {
    throw notYet(`response.stream.${method}()`)
  }
}

/** Motia 1.0's `response`: status() and headers() set what an empty return answers. */
export class HttpResponse {
  constructor() {
    this.statusCode = undefined
    this.headerMap = {}
    this.stream = new UnsupportedStream()
  }

  status(code) {
    this.statusCode = code
  }

  headers(map) {
    Object.assign(this.headerMap, map)
  }

  close() {
    throw notYet('response.close()')
  }

  /** What the orchestrator gets for the handler's `value`: the value, or (none) the status and headers set. */
  result(value) {
    if (value === undefined || value === null) return { status: this.statusCode ?? 200, headers: this.headerMap }
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(this.headerMap).length) {
      return { ...value, headers: { ...this.headerMap, ...(value.headers ?? {}) } }
    }
    return value
  }
}

/**
 * The call of `name` (handler or condition:<i>) for invoke params `p` with a `trigger`:
 * {fn, input, response?}. `fn` is the handler with the http trigger's middleware around it.
 */
export function triggerCall(functions, name, p) {
  const trigger = p.trigger
  const fn = functions[name]
  if (trigger.type !== 'http' || name !== 'handler') return { fn, input: p.input }
  const response = new HttpResponse()
  const request = p.input?.request ?? {}
  const input = { ...request, request, response }
  const middleware = functions[TRIGGER_MIDDLEWARE]?.[trigger.index] ?? []
  return { fn: withMiddleware(fn, middleware), input, response }
}

/** Motia 1.0's additions to the context for one trigger and the input the function gets. */
export function triggerContext(trigger, input, logger) {
  const is = Object.fromEntries(TYPES.map((type) => [type, () => trigger.type === type]))
  return {
    trigger,
    is,
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

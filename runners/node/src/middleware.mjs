// API middleware as Motia 0.17 composes it (packages/core/src/node/middleware-compose.ts
// and its use in node-runner.ts at v0.17.14-beta.196): `config.middleware` is an
// ordered list of `async (req, ctx, next) => response`; the first is outermost, and
// `next()` runs the next one, the last `next()` the handler. A middleware may answer
// without calling `next`, change `req` first, or change what `next()` returned.
//
// The functions stay in the runner; the config the orchestrator gets names them
// (`steppe build` and the workbench show the names).

const ANONYMOUS = '<anonymous>'
/** Where a loaded file's functions keep a Motia 1.0 step's http middleware, by trigger index. */
export const TRIGGER_MIDDLEWARE = Symbol('trigger middleware')

function middlewareError(message) {
  const err = new Error(message)
  err.name = 'ConfigError'
  err.stack = null // found by the runner, after the file ran: no stack of the author's
  return err
}

function kindOf(value) {
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  const type = typeof value
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
}

/**
 * The names of `config.middleware` for the plain config (undefined when there is none);
 * a ConfigError naming the step, the field and the index when an entry is not a function.
 */
export function middlewareNames(config) {
  return namesOf(config.middleware, config.name, 'middleware')
}

/** The names of a `middleware` list found at `field` (`triggers[0].middleware` in a Motia 1.0 config). */
export function namesOf(list, stepName, field) {
  if (list === undefined || list === null) return undefined
  const step = `step '${stepName ?? '?'}'`
  if (!Array.isArray(list)) throw middlewareError(`${step}: ${field} must be a list of functions, not ${kindOf(list)}`)
  return list.map((entry, index) => {
    if (typeof entry !== 'function') {
      throw middlewareError(`${step}: ${field}[${index}] is not a function (${kindOf(entry)}); each entry is an async (req, ctx, next) function`)
    }
    return entry.name || ANONYMOUS
  })
}

/**
 * `handler` with `middleware` run around it: a function of (req, ctx) like the handler.
 * The handler itself when there is no middleware, so most steps pay nothing.
 * `next(req)` with a request hands that request inward instead (Motia's Python runner
 * passes it to the inner middleware; here the handler gets it too); `next()` keeps it.
 */
export function withMiddleware(handler, middleware) {
  if (!Array.isArray(middleware) || middleware.length === 0) return handler
  return (req, ctx) => {
    const layer = (index, request) => {
      if (index === middleware.length) return handler(request, ctx)
      const next = async (replacement) => layer(index + 1, replacement === undefined ? request : replacement)
      return middleware[index](request, ctx, next)
    }
    return layer(0, req)
  }
}

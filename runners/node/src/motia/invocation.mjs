// The context of the handler running now, for the module's values bound to it
// (`enqueue`, `stateManager`, a `Stream`'s calls): the runner's AsyncLocalStorage
// store is the Invocation, and runner.mjs sets `invocation.context` to the ctx
// object it hands the handler, so a module call and `ctx.x` are the same call (but for
// the shapes of answers: the module's state and streams answer as Motia 1.0's always).

import { moduleCalls } from '../context.mjs'
import { storage } from '../current.mjs'

/** The current handler's context; an Error naming `call` when no handler is running. */
export function handlerContext(call) {
  return handlerInvocation(call).context
}

/** The current handler's state and streams in Motia 1.0's shapes (the module's). */
export function handlerCalls(call) {
  return moduleCalls(handlerInvocation(call))
}

function handlerInvocation(call) {
  const store = storage.getStore()
  if (store?.context !== undefined) return store
  // There is no invocation to tie a state write or an event to: Motia's engine
  // had a connection for it; Steppe has the handler's.
  throw new Error(`${call} was called outside a step handler: call it from a handler, or a function a handler calls`)
}

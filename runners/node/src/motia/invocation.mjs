// The context of the handler running now, for the module's values bound to it
// (`enqueue`, `stateManager`, a `Stream`'s calls): the runner's AsyncLocalStorage
// store is the Invocation, and runner.mjs sets `invocation.context` to the ctx
// object it hands the handler, so a module call and `ctx.x` are the same call.

import { storage } from '../current.mjs'

/** The current handler's context; an Error naming `call` when no handler is running. */
export function handlerContext(call) {
  const store = storage.getStore()
  if (store?.context !== undefined) return store.context
  // There is no invocation to tie a state write or an event to: Motia's engine
  // had a connection for it; Steppe has the handler's.
  throw new Error(`${call} was called outside a step handler: call it from a handler, or a function a handler calls`)
}

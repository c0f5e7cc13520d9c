// `stateManager`, `StateManager` and `enqueue` (Motia 1.0: src/new/state.ts,
// src/new/enqueue.ts): the current handler's `ctx.state` (in 1.0's shapes: `set` and
// `update` resolve to {new_value, old_value}, `delete` to the old value) and `ctx.emit`. As in
// Motia every call is async, so a call outside a handler is a rejected promise.

import { handlerCalls, handlerContext } from './invocation.mjs'

// InternalStateManager of Motia's types.ts, and 0.17's getGroup.
const METHODS = ['get', 'set', 'update', 'delete', 'list', 'listGroups', 'clear', 'getGroup']

export class StateManager {}

for (const method of METHODS) {
  StateManager.prototype[method] = async function (...args) {
    return handlerCalls(`stateManager.${method}()`).state[method](...args)
  }
}

export const stateManager = new StateManager()

/** `enqueue({topic, data, messageGroupId?})`: the current handler's `ctx.emit`. */
export async function enqueue(event) {
  return handlerContext('enqueue()').emit(event)
}

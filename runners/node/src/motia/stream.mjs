// `new Stream({name, schema, baseConfig, onJoin?, onLeave?})` (Motia 1.0:
// src/new/stream.ts): a stream declared as a value, whose calls are the current
// handler's `ctx.streams[name]` calls, answering in 1.0's shapes: `set` and `update`
// resolve to {new_value, old_value}, `delete` to nothing. `config` stays as given,
// for the loader.

import { handlerCalls } from './invocation.mjs'

// Motia's Stream class, and getGroup of its MotiaStream interface (types-stream.ts).
const METHODS = ['get', 'set', 'delete', 'getGroup', 'list', 'listGroups', 'update', 'send']

export class Stream {
  constructor(config) {
    this.config = config
  }
}

for (const method of METHODS) {
  Stream.prototype[method] = async function (...args) {
    const name = this.config?.name
    return handlerCalls(`the ${JSON.stringify(name)} stream's ${method}()`).streams[name][method](...args)
  }
}

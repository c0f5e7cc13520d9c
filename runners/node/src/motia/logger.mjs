// `logger` and `Logger` (Motia 1.0: src/new/logger.ts, `new Logger()` of iii-sdk's
// logger.ts, whose methods are debug/info/warn/error(message, data?)). Inside a
// handler a call is the handler's `ctx.logger` call; at a file's top level (the
// runner's store is {path} while it loads) it is a log note tied to that file;
// anywhere else a line on the runner's stderr, which the orchestrator logs.

import { inspect } from 'node:util'
import { logForFile, storage } from '../current.mjs'
import { logFields } from '../context.mjs'

const LEVELS = ['debug', 'info', 'warn', 'error']

export class Logger {
  // iii-sdk's Logger takes (traceId?, serviceName?, spanId?); here the trace is
  // always the current invocation's, so they are accepted and not needed.
  constructor(..._ignored) {}
}

for (const level of LEVELS) {
  Logger.prototype[level] = function (message, data) {
    const store = storage.getStore()
    if (store?.context !== undefined) return store.context.logger[level](message, data)
    const text = typeof message === 'string' ? message : inspect(message)
    if (store?.path !== undefined && logForFile(store.path, level, text, logFields(data))) return
    process.stderr.write(`${level}: ${text}${data === undefined ? '' : ` ${inspect(data)}`}\n`)
  }
}

export const logger = new Logger()

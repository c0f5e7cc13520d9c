// What is running now, for code that cannot be handed a context: the `motia`
// module (motia/) that step files import. The runner sets both at start-up.
//
// `storage` is the runner's one AsyncLocalStorage: its store is the Invocation
// (context.mjs) while a handler runs, `{path}` while a file loads, and nothing
// otherwise. The hooks resolve every `import 'motia'` to one module instance, so
// that module and the runner read the same storage.

import { AsyncLocalStorage } from 'node:async_hooks'

export const storage = new AsyncLocalStorage()

let session = null

/** The session the runner sends its notes on (called once, at start-up). */
export function useSession(runnerSession) {
  session = runnerSession
}

/** A `log` note tied to the file being loaded (a logger call at a step file's top level). */
export function logForFile(path, level, msg, fields) {
  if (session === null) return false
  session.note('log', { path, level, msg, fields, source: 'logger' })
  return true
}

// Loading step and stream files (runners/README.md, `load` and `unload`).
//
// ESM (.mjs, ESM-syntax .js, ESM TypeScript) is imported through the hooks in
// hooks.mjs; CommonJS (.cjs, CommonJS-syntax .js, CommonJS TypeScript: see
// typescript.mjs) is required through the hooks in commonjs.mjs.
//
// Fresh imports without reloading everything: modules are loaded under a
// *generation*. An ESM URL carries `?steppe=<generation>` (spread by the hooks to
// the project files it imports); CommonJS uses require.cache, which is emptied of
// project files when a new generation starts. A generation ends when a file is
// loaded a second time, so the first load of a project shares its helper
// modules (one database pool, not one per step), and a reload gets the file and
// every project file it imports fresh from disk.

import { createRequire, register } from 'node:module'
import { readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MessageChannel } from 'node:worker_threads'
import { installCommonJsHooks, NODE_MODULES } from './commonjs.mjs'
import { loadErrorInfo } from './errors.mjs'
import { detectFormat } from './format.mjs'
import { plainConfig } from './config.mjs'
import { TRIGGER_MIDDLEWARE, withMiddleware } from './middleware.mjs'
import { isTypeScript, typeScriptFormat } from './typescript.mjs'

const FUNCTIONS = ['handler', 'canAccess', 'onJoin', 'onLeave', 'authenticateStream']
// A stream's access hooks sit inside its config (Motia 0.17's canAccess, 1.0's onJoin/onLeave).
const CONFIG_FUNCTIONS = new Set(['canAccess', 'onJoin', 'onLeave'])

const RUNNER_ROOT = new URL('..', import.meta.url)
const require = createRequire(import.meta.url)

export class LoadError extends Error {
  constructor(info) {
    super(info.message)
    this.info = info
  }
}

/** Asks the hooks thread which project files an ESM module imported. */
class HooksClient {
  constructor() {
    const { port1, port2 } = new MessageChannel()
    register(new URL('./hooks.mjs', import.meta.url), {
      data: { port: port2, fallbackParentURL: new URL('package.json', RUNNER_ROOT).href },
      transferList: [port2],
    })
    this.port = port1
    this.nextId = 1
    this.waiting = new Map()
    port1.on('message', ({ id, deps }) => {
      this.waiting.get(id)(deps)
      this.waiting.delete(id)
    })
    port1.unref()
  }

  deps(url) {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.waiting.set(id, resolve)
      this.port.postMessage({ id, url })
    })
  }
}

function formatOf(path) {
  switch (extname(path)) {
    case '.cjs':
      return 'commonjs'
    case '.js':
      return detectFormat(readFileSync(path, 'utf8'))
    default:
      return isTypeScript(path) ? typeScriptFormat(path) : 'module'
  }
}

// `export default step({...}, handler)` (Motia 1.0's step() helper returns {config, handler})
// is read as if `config` and `handler` were exported by name.
function exported(exports) {
  const fallback = exports.default
  if (exports.config === undefined && typeof fallback === 'object' && fallback !== null && 'config' in fallback) return fallback
  return exports
}

// A Motia 1.0 step: each trigger's condition is the function `condition:<index>`, and each
// http trigger's middleware is kept for the runner to run around the handler when that
// trigger fires (Motia 1.0's src/new/build/utils.ts).
function addTriggerFunctions(functions, triggers) {
  const middleware = []
  triggers.forEach((trigger, index) => {
    if (typeof trigger?.condition === 'function') functions[`condition:${index}`] = trigger.condition
    middleware[index] = Array.isArray(trigger?.middleware) ? trigger.middleware : []
  })
  functions[TRIGGER_MIDDLEWARE] = middleware
}

// A Motia 1.0 stream file may export only `new Stream(config)`: its config is the Stream's.
function streamObjectConfig(exports, kind) {
  if (kind !== 'stream') return undefined
  const streams = Object.values(exports).filter((value) => typeof value?.config?.name === 'string')
  return streams.length === 1 ? streams[0].config : undefined
}

export class Loader {
  /** `storage` is the AsyncLocalStorage whose store ties printed text to a file. */
  constructor(project, storage) {
    this.project = project
    this.storage = storage
    this.hooks = new HooksClient()
    installCommonJsHooks()
    this.generation = 0
    this.attempted = new Map() // path → generation of its last load
    this.files = new Map() // path → {handler?, canAccess?}
    this.queue = Promise.resolve()
  }

  /** The loaded functions of `path`, or undefined. */
  get(path) {
    return this.files.get(path)
  }

  /** Load `path` fresh → {config, handlers, deps}; a failure throws LoadError with the wire error. */
  load(path, kind) {
    // One at a time: a load may start a generation, which must not happen
    // under another load's feet.
    const result = this.queue.then(() => this.loadNow(resolve(this.project, path), kind))
    this.queue = result.catch(() => {})
    return result
  }

  unload(path) {
    const absolute = resolve(this.project, path)
    this.files.delete(absolute)
    delete require.cache[absolute]
  }

  newGeneration() {
    this.generation++
    for (const file of Object.keys(require.cache)) {
      if (!file.includes(NODE_MODULES)) delete require.cache[file]
    }
  }

  /** The URL `path` is imported under in the current generation. */
  url(path) {
    return `${pathToFileURL(path).href}?steppe=${this.generation}`
  }

  // The project files `path` imports or requires, directly or not. Each module
  // system keeps its own graph (module.children for require, the hooks' record
  // for import) and one file may be reached through both: a CommonJS
  // TypeScript helper imported first keeps its requires in the hooks' graph.
  async deps(path) {
    const found = new Set([path])
    const pending = [path]
    while (pending.length) {
      const file = pending.pop()
      const required = (require.cache[file]?.children ?? []).map((child) => child.filename)
      for (const child of [...required, ...(await this.hooks.deps(this.url(file)))]) {
        if (child.includes(NODE_MODULES) || found.has(child)) continue
        found.add(child)
        pending.push(child)
      }
    }
    found.delete(path)
    return [...found]
  }

  async loadNow(path, kind) {
    // Also after a failed attempt: Node caches an ESM module that failed.
    if (this.attempted.get(path) === this.generation) this.newGeneration()
    this.attempted.set(path, this.generation)
    let exports
    try {
      if (formatOf(path) === 'commonjs') exports = this.storage.run({ path }, require, path)
      else exports = await this.storage.run({ path }, () => import(this.url(path)))
      const module = exported(exports)
      // motia.config.ts (kind 'config') exports functions only: authenticateStream.
      const config = kind === 'config' ? {} : (module.config ?? streamObjectConfig(module, kind))
      const plain = await plainConfig(config, kind === 'config' ? 'stream' : kind)
      const functions = Object.create(null) // so `fn: 'constructor'` finds nothing
      for (const name of FUNCTIONS) {
        if (typeof module[name] === 'function') functions[name] = module[name]
        else if (CONFIG_FUNCTIONS.has(name) && typeof config[name] === 'function') functions[name] = config[name]
      }
      if (Array.isArray(config.triggers)) addTriggerFunctions(functions, config.triggers)
      else if (functions.handler) functions.handler = withMiddleware(functions.handler, config.middleware)
      this.files.set(path, functions)
      return { config: plain, handlers: Object.keys(functions), deps: await this.deps(path) }
    } catch (err) {
      throw new LoadError(await loadErrorInfo(err, path))
    }
  }
}

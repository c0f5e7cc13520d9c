// CommonJS hooks: for `require`, what hooks.mjs does for `import`, installed
// once on the main thread by the loader (docs/reference.md §2):
//
// - the runner's node_modules come after the project's (NODE_PATH is searched
//   last), so `require('zod')` works in a project with no node_modules;
// - a project's CommonJS-syntax .js loads as CommonJS even in a "type":
//   "module" package;
// - a CommonJS TypeScript file (typescript.mjs says which are) compiles with
//   esbuild and runs as a CommonJS module, with `require`, `module.exports`,
//   `__dirname`; an ESM one cannot be required and says so;
// - `require('motia')` is the `motia` module the import hooks resolve to, the
//   same instance, before any package the project installed;
// - TypeScript-style relative requires (`./helper`, `./helper.js` for
//   helper.ts, a folder's index) resolve as in hooks.mjs.

import Module from 'node:module'
import { readFileSync } from 'node:fs'
import { delimiter, dirname, extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { detectFormat } from './format.mjs'
import { compileTypeScript, isTypeScript, typeScriptCandidate, typeScriptFormat } from './typescript.mjs'
import * as motia from './motia/index.mjs'

const NODE_MODULES_DIR = fileURLToPath(new URL('../node_modules', import.meta.url))
export const NODE_MODULES = `${sep}node_modules${sep}`
const RELATIVE = /^\.\.?\//
const MOTIA = 'motia'
const MOTIA_ENTRY = fileURLToPath(new URL('./motia/index.cjs', import.meta.url))

function appendRunnerPackages() {
  const previous = process.env.NODE_PATH
  process.env.NODE_PATH = [previous, NODE_MODULES_DIR].filter(Boolean).join(delimiter)
  Module._initPaths()
  if (previous === undefined) delete process.env.NODE_PATH
  else process.env.NODE_PATH = previous
}

function loadJavaScriptBySyntax() {
  const loadJs = Module._extensions['.js']
  Module._extensions['.js'] = function (module, filename) {
    if (!filename.includes(NODE_MODULES)) {
      const source = readFileSync(filename, 'utf8')
      if (detectFormat(source) === 'commonjs') return module._compile(source, filename)
    }
    return loadJs.call(this, module, filename)
  }
}

function requireOfEsm(filename) {
  const err = new Error(
    `require() of ES module ${filename}: it is ESM (its package.json says "type": "module", ` +
      'or it uses top-level await or import.meta); import it instead',
  )
  err.code = 'ERR_REQUIRE_ESM'
  return err
}

function loadCommonJsTypeScript(module, filename) {
  const code = typeScriptFormat(filename) === 'commonjs' ? compileTypeScript(filename, 'commonjs') : null
  if (code === null) throw requireOfEsm(filename)
  module._compile(code, filename)
}

// The module's exports themselves, not a cached CommonJS module: nothing to
// clear with a new generation, and no child to count among a step's deps.
function requireMotiaModule() {
  globalThis[Symbol.for('steppe.motia')] = motia
  const load = Module._load
  Module._load = function (request, ...rest) {
    return request === MOTIA ? motia : load.call(this, request, ...rest)
  }
}

function resolveTypeScriptStyle() {
  const resolveFilename = Module._resolveFilename
  Module._resolveFilename = function (request, parent, ...rest) {
    // require.resolve('motia'), and a require in CommonJS that the import hooks
    // loaded from source, which resolves here and then imports the file.
    if (request === MOTIA) return MOTIA_ENTRY
    const relativeInProject = parent?.filename && !parent.filename.includes(NODE_MODULES) && RELATIVE.test(request)
    const target = relativeInProject && resolve(dirname(parent.filename), request)
    // As tsc (and the import hooks) resolve: TypeScript's `./helper` is
    // helper.ts even beside a helper.js, which is often its compiled output.
    if (target && isTypeScript(parent.filename) && !request.endsWith('/') && extname(request) === '') {
      const candidate = typeScriptCandidate(target)
      if (candidate) return candidate
    }
    try {
      return resolveFilename.call(this, request, parent, ...rest)
    } catch (err) {
      const candidate = target && err?.code === 'MODULE_NOT_FOUND' && typeScriptCandidate(target)
      if (candidate) return candidate
      throw err
    }
  }
}

export function installCommonJsHooks() {
  appendRunnerPackages()
  loadJavaScriptBySyntax()
  for (const ext of ['.ts', '.tsx', '.cts']) Module._extensions[ext] = loadCommonJsTypeScript
  resolveTypeScriptStyle()
  requireMotiaModule()
}

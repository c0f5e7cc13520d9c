// TypeScript files (steps and helpers): which module system each one runs in,
// compiling it with esbuild, and TypeScript-style relative specifiers. Used on
// both sides: hooks.mjs (import, on Node's loader thread) and commonjs.mjs
// (require, on the main thread), so both judge a file the same way.
//
// The module system follows the file's package scope, as tsc (`module:
// nodenext`), ts-node and tsx decide it: `.mts` is ESM, `.cts` CommonJS, and a
// `.ts`/`.tsx` is ESM under a package.json with `"type": "module"` and CommonJS
// otherwise (no package.json counts as CommonJS). A CommonJS TypeScript file
// has `require`, `module.exports`, `exports.x`, `__dirname` and `__filename`,
// and its `import`/`export` become `require`/`exports`, so one file may mix
// them. A file that uses what only ESM has (top-level await, `import.meta`)
// cannot be CommonJS, so it stays ESM wherever it is, as it always ran.

import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, extname, join } from 'node:path'

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx' }
const TS_FOR_JS = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] }
const TRY_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs']
// esbuild's words for "this file needs ESM" (checked by test/typescript.test.mjs).
const TOP_LEVEL_AWAIT = /^Top-level await is currently not supported with the "cjs" output format/
const IMPORT_META = 'empty-import-meta'

const require = createRequire(import.meta.url)
let esbuild // loaded on the first .ts file: a project without any pays nothing
const commonJs = new Map() // path → {source, code}: code is null when the file needs ESM

export function isTypeScript(path) {
  return Object.hasOwn(LOADERS, extname(path))
}

function isFile(path) {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** "type" of the nearest package.json, as Node reads it for `.js`. */
function packageType(path) {
  for (let dir = dirname(path); ; ) {
    const manifest = join(dir, 'package.json')
    if (isFile(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module' ? 'module' : 'commonjs'
      } catch {
        return 'commonjs' // an unreadable package.json declares nothing
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return 'commonjs'
    dir = parent
  }
}

function transform(path, source, format) {
  esbuild ??= require('esbuild')
  try {
    return esbuild.transformSync(source, {
      loader: LOADERS[extname(path)],
      format,
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: path,
      logLevel: 'silent',
      // In ESM these do not exist; Motia's CommonJS-era steps use them.
      define: format === 'esm' ? { __filename: JSON.stringify(path), __dirname: JSON.stringify(dirname(path)) } : {},
      // Never keep an import that is only used as a type, whatever a project's
      // tsconfig would say: there is no 'motia' package to import at run time.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false, preserveValueImports: false } },
    })
  } catch (err) {
    const first = err.errors?.[0]
    if (!first) throw err
    if (format === 'cjs' && TOP_LEVEL_AWAIT.test(first.text)) return null
    const syntaxError = new SyntaxError(first.text)
    syntaxError.line = first.location?.line ?? null
    syntaxError.stack = `SyntaxError: ${first.text}\n    at ${path}:${first.location?.line}:${(first.location?.column ?? 0) + 1}`
    throw syntaxError
  }
}

/** CommonJS code for `path`, or null when the file needs ESM; compiled once per content. */
function commonJsCode(path) {
  const source = readFileSync(path, 'utf8')
  const cached = commonJs.get(path)
  if (cached?.source === source) return cached.code
  const result = transform(path, source, 'cjs')
  const code = result && !result.warnings.some((warning) => warning.id === IMPORT_META) ? result.code : null
  commonJs.set(path, { source, code })
  return code
}

/** 'module' or 'commonjs': how the TypeScript file at `path` runs (see the top of this file). */
export function typeScriptFormat(path) {
  switch (extname(path)) {
    case '.mts':
      return 'module'
    case '.cts':
      return 'commonjs'
    default:
      if (packageType(path) === 'module') return 'module'
      return commonJsCode(path) === null ? 'module' : 'commonjs'
  }
}

/**
 * JavaScript for the TypeScript file at `path`, in `format` ('module' or
 * 'commonjs', as typeScriptFormat says), with an inline source map so stacks
 * point at .ts lines. A syntax error is thrown as a SyntaxError with `line`.
 */
export function compileTypeScript(path, format) {
  if (format === 'commonjs') return commonJsCode(path)
  return transform(path, readFileSync(path, 'utf8'), 'esm').code
}

/**
 * What tsc would find for a relative import whose target `path` (absolute,
 * as written) Node does not: `./helper` or `./helper.js` for helper.ts, a
 * folder's index; null when nothing matches.
 */
export function typeScriptCandidate(path) {
  const ext = extname(path)
  for (const tsExt of TS_FOR_JS[ext] ?? []) {
    const candidate = path.slice(0, -ext.length) + tsExt
    if (isFile(candidate)) return candidate
  }
  for (const tryExt of TRY_EXTENSIONS) {
    if (isFile(path + tryExt)) return path + tryExt
  }
  for (const tryExt of TRY_EXTENSIONS) {
    if (isFile(`${path}/index${tryExt}`)) return `${path}/index${tryExt}`
  }
  return null
}

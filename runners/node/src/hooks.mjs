// Module customisation hooks (node:module register), run by Node on its
// loader thread. They give step files what docs/reference.md §2 promises:
//
// - .ts/.mts/.tsx compile with esbuild: types, `import type` and imports used
//   only as types (`import { Handlers } from 'motia'`) are erased, and an inline
//   source map lets Node report .ts lines in stacks;
// - a project's .js is ESM or CommonJS by its syntax, not by package.json;
// - TypeScript-style relative imports (`./helper`, `./helper.js` for helper.ts,
//   a folder's index) resolve;
// - a bare import the project cannot resolve falls back to the runner's own
//   node_modules (`import { z } from 'zod'` in a project with no node_modules);
// - the loader's cache-busting query (`?steppe=N`, see loader.mjs) spreads from a
//   step to the project files it imports, so a reload re-evaluates them too, and
//   the import graph among project files is recorded to answer `deps`.

import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, extname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { detectFormat } from './format.mjs'

const VERSION = /[?&]steppe=(\d+)/
const TS_LOADERS = { '.ts': 'ts', '.mts': 'ts', '.tsx': 'tsx' }
const TS_FOR_JS = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'] }
const TRY_EXTENSIONS = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs']

let fallbackParentURL
// Versioned URL of a project file → versioned URLs of the project files it imports.
const imports = new Map()

export function initialize({ port, fallbackParentURL: fallback }) {
  fallbackParentURL = fallback
  port.on('message', ({ id, url }) => port.postMessage({ id, deps: projectDeps(url) }))
}

function isProjectFile(url) {
  return url.startsWith('file:') && !url.includes('/node_modules/')
}

function isBare(specifier) {
  return !/^(?:\.{0,2}\/|[a-zA-Z][a-zA-Z\d+.-]*:)/.test(specifier)
}

function isFile(path) {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

// What `tsc`/tsx would find for a relative specifier that Node's ESM resolver does not.
function typeScriptCandidate(specifier, parentURL) {
  const path = fileURLToPath(new URL(specifier, parentURL))
  const ext = extname(path)
  const swaps = TS_FOR_JS[ext] ?? []
  for (const tsExt of swaps) {
    const candidate = path.slice(0, -ext.length) + tsExt
    if (isFile(candidate)) return candidate
  }
  for (const tryExt of TRY_EXTENSIONS) {
    if (isFile(path + tryExt)) return path + tryExt
  }
  if (existsSync(path)) {
    for (const tryExt of TRY_EXTENSIONS) {
      if (isFile(`${path}/index${tryExt}`)) return `${path}/index${tryExt}`
    }
  }
  return null
}

async function resolveWithFallbacks(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context)
  } catch (err) {
    const notFound = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_UNSUPPORTED_DIR_IMPORT'
    if (!notFound || !context.parentURL) throw err
    if (isBare(specifier)) {
      // Neither here nor there: the step's own error names the step, not the runner.
      return nextResolve(specifier, { ...context, parentURL: fallbackParentURL }).catch(() => {
        throw err
      })
    }
    if (isProjectFile(context.parentURL) && !specifier.includes(':')) {
      const candidate = typeScriptCandidate(specifier, context.parentURL)
      if (candidate) return { url: pathToFileURL(candidate).href, shortCircuit: true }
    }
    throw err
  }
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await resolveWithFallbacks(specifier, context, nextResolve)
  const version = context.parentURL && VERSION.exec(context.parentURL)
  if (!version || !isProjectFile(resolved.url) || VERSION.test(resolved.url)) return resolved
  const url = `${resolved.url}${resolved.url.includes('?') ? '&' : '?'}steppe=${version[1]}`
  let children = imports.get(context.parentURL)
  if (!children) imports.set(context.parentURL, (children = new Set()))
  children.add(url)
  return { ...resolved, url }
}

function projectDeps(url) {
  const seen = new Set([url])
  const stack = [url]
  while (stack.length) {
    for (const child of imports.get(stack.pop()) ?? []) {
      if (!seen.has(child)) {
        seen.add(child)
        stack.push(child)
      }
    }
  }
  seen.delete(url)
  return [...new Set([...seen].map((child) => fileURLToPath(child)))]
}

let esbuild // imported on the first .ts file: a project without any pays nothing

async function compileTypeScript(path, loader) {
  esbuild ??= await import('esbuild')
  const source = await readFile(path, 'utf8')
  try {
    const { code } = await esbuild.transform(source, {
      loader,
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: path,
      // Motia compiled steps to CommonJS, where these exist; in ESM they do not.
      define: { __filename: JSON.stringify(path), __dirname: JSON.stringify(dirname(path)) },
      // Never keep an import that is only used as a type, whatever a project's
      // tsconfig would say: there is no 'motia' package to import at run time.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false, preserveValueImports: false } },
    })
    return code
  } catch (err) {
    const first = err.errors?.[0]
    if (!first) throw err
    const syntaxError = new SyntaxError(first.text)
    syntaxError.line = first.location?.line ?? null
    syntaxError.stack = `SyntaxError: ${first.text}\n    at ${path}:${first.location?.line}:${(first.location?.column ?? 0) + 1}`
    throw syntaxError
  }
}

export async function load(url, context, nextLoad) {
  if (!isProjectFile(url)) return nextLoad(url, context)
  const path = fileURLToPath(url) // the query is not part of the path
  const ext = extname(path)
  if (TS_LOADERS[ext]) {
    return { format: 'module', source: await compileTypeScript(path, TS_LOADERS[ext]), shortCircuit: true }
  }
  if (ext === '.js') {
    const source = await readFile(path, 'utf8')
    if (detectFormat(source) === 'module') return { format: 'module', source, shortCircuit: true }
    // CommonJS goes through Node's CommonJS loader (require.cache, loader.mjs).
    return nextLoad(url, { ...context, format: 'commonjs' })
  }
  return nextLoad(url, context)
}

// Module customisation hooks (node:module register), run by Node on its
// loader thread. They give step files what docs/reference.md §2 promises:
//
// - TypeScript compiles with esbuild (typescript.mjs): types, `import type` and
//   imports used only as types (`import { Handlers } from 'motia'`) are erased,
//   and an inline source map lets Node report .ts lines in stacks; each file is
//   ESM or CommonJS as typescript.mjs decides;
// - a project's .js is ESM or CommonJS by its syntax, not by package.json;
// - TypeScript-style relative imports (`./helper`, `./helper.js` for helper.ts,
//   a folder's index) resolve;
// - `motia` is Steppe's own module (motia/index.mjs), before any package the
//   project installed (Motia 1.0's needs its engine), and always the one URL, no
//   generation query: every step, helper and reload shares its one instance;
// - a bare import the project cannot resolve falls back to the runner's own
//   node_modules (`import { z } from 'zod'` in a project with no node_modules);
// - the loader's cache-busting query (`?steppe=N`, see loader.mjs) spreads from a
//   step to the project files it imports, so a reload re-evaluates them too, and
//   the import graph among project files is recorded to answer `deps`.

import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { detectFormat } from './format.mjs'
import { compileTypeScript, isTypeScript, typeScriptCandidate, typeScriptFormat } from './typescript.mjs'

const VERSION = /[?&]steppe=(\d+)/
const MOTIA_URL = new URL('./motia/index.mjs', import.meta.url).href
const RUNNER_SOURCE = new URL('./', import.meta.url).href

let fallbackParentURL
// Versioned URL of a project file → versioned URLs of the project files it imports.
const imports = new Map()

export function initialize({ port, fallbackParentURL: fallback }) {
  fallbackParentURL = fallback
  port.on('message', ({ id, url }) => port.postMessage({ id, deps: projectDeps(url) }))
}

// Not the runner's own files (the motia module): never versioned, never a dep.
function isProjectFile(url) {
  return url.startsWith('file:') && !url.includes('/node_modules/') && !url.startsWith(RUNNER_SOURCE)
}

function isBare(specifier) {
  return !/^(?:\.{0,2}\/|[a-zA-Z][a-zA-Z\d+.-]*:)/.test(specifier)
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
      const candidate = typeScriptCandidate(fileURLToPath(new URL(specifier, context.parentURL)))
      if (candidate) return { url: pathToFileURL(candidate).href, shortCircuit: true }
    }
    throw err
  }
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'motia') return { url: MOTIA_URL, shortCircuit: true }
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

export async function load(url, context, nextLoad) {
  if (!isProjectFile(url)) return nextLoad(url, context)
  const path = fileURLToPath(url) // the query is not part of the path
  if (isTypeScript(path)) {
    // A CommonJS one comes with its compiled source, so that Node finds its
    // export names for `import { x }`; Node keeps the module in require.cache.
    const format = typeScriptFormat(path)
    return { format, source: compileTypeScript(path, format), shortCircuit: true }
  }
  if (extname(path) === '.js') {
    const source = await readFile(path, 'utf8')
    if (detectFormat(source) === 'module') return { format: 'module', source, shortCircuit: true }
    // CommonJS goes through Node's CommonJS loader (require.cache, commonjs.mjs).
    return nextLoad(url, { ...context, format: 'commonjs' })
  }
  return nextLoad(url, context)
}

// Errors as the protocol carries them: {name, message, stack, line?}.
//
// Stacks are made readable for the step's author: module URLs become paths
// (without the cache-busting query the loader adds), and the runner's own and
// Node's internal frames are dropped. TypeScript positions are already mapped
// to the .ts source by Node's source-map support (enabled in runner.mjs).

import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const RUNNER_DIR = dirname(fileURLToPath(import.meta.url))
const VERSION_QUERY = /\?steppe=\d+/g

function urlToPath(url) {
  try {
    return fileURLToPath(url)
  } catch {
    return url
  }
}

// A frame of the runner or of Node, or the runner's loader at the end of
// CommonJS's "Require stack:" list: not the step author's.
function isRunnerLine(line) {
  if (/^\s+at /.test(line)) return line.includes(RUNNER_DIR) || /[( ]node:/.test(line)
  return line.startsWith('- ') && line.includes(RUNNER_DIR)
}

function withoutRunnerLines(text) {
  return text
    .split('\n')
    .filter((line) => !isRunnerLine(line))
    .join('\n')
}

export function cleanStack(stack) {
  if (typeof stack !== 'string') return null
  return withoutRunnerLines(stack.replace(VERSION_QUERY, '').replace(/file:\/\/[^\s)'"]+/g, urlToPath))
}

function errorName(err) {
  if (err.name && err.name !== 'Error') return String(err.name)
  // `class NotFound extends Error {}` keeps name 'Error'; its class says more.
  return (err instanceof Error && err.constructor?.name) || 'Error'
}

/** The wire shape of anything a handler threw (it need not be an Error). Never throws:
 * an answer that failed to build would leave the call without one until its timeout. */
export function errorInfo(err) {
  try {
    if (err instanceof Error || (typeof err === 'object' && err !== null && typeof err.message === 'string')) {
      const name = errorName(err)
      let stack = cleanStack(err.stack)
      if (name !== err.name && stack?.startsWith(`${err.name}:`)) stack = name + stack.slice(String(err.name).length)
      return { name, message: withoutRunnerLines(String(err.message)), stack }
    }
    return { name: 'Error', message: describe(err), stack: null } // `throw 'text'`
  } catch {
    return { name: 'Error', message: 'the handler threw a value that cannot be described', stack: null }
  }
}

// `String(Object.create(null))` throws: such a value has no toString.
function describe(value) {
  try {
    return String(value)
  } catch {
    try {
      return `a thrown ${Object.prototype.toString.call(value).slice(8, -1).toLowerCase()}: ${JSON.stringify(value)}`
    } catch {
      return Object.prototype.toString.call(value)
    }
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function lineInStack(stack, path) {
  const match = stack && new RegExp(`${escapeRegExp(path)}:(\\d+)`).exec(stack)
  return match ? Number(match[1]) : null
}

// "Cannot find package 'x' imported from /p/a.step.ts", "Cannot find module
// '/p/helper' imported from …": the line of the step that names it.
function lineOfMissingImport(message, path, source) {
  const match = /Cannot find (?:package|module) '([^']+)' imported from (.+)$/m.exec(message)
  if (!match || urlToPath(match[2].trim()) !== path) return null
  let wanted = match[1]
  if (wanted.startsWith('/')) wanted = wanted.slice(dirname(path).length + 1).replace(/\.[cm]?[jt]sx?$/, '')
  const lines = source.split('\n')
  const index = lines.findIndex((line) => /\bimport\b|\brequire\s*\(|\bfrom\b/.test(line) && line.includes(wanted))
  return index === -1 ? null : index + 1
}

// V8 reports an ESM syntax error without its position; esbuild's parser finds it.
async function lineOfSyntaxError(path, source) {
  const { transform } = await import('esbuild')
  const loader = /\.[cm]?tsx?$/.test(path) ? (path.endsWith('x') ? 'tsx' : 'ts') : 'js'
  try {
    await transform(source, { loader, sourcefile: path })
  } catch (err) {
    return err.errors?.[0]?.location?.line ?? null
  }
  return null
}

/** The wire shape of a failed `load`: the message names the file and, when known, the line. */
export async function loadErrorInfo(err, path) {
  const info = errorInfo(err)
  let line = Number.isInteger(err?.line) ? err.line : lineInStack(info.stack, path)
  if (line === null) {
    let source = null
    try {
      source = readFileSync(path, 'utf8')
    } catch {
      // The file vanished: the error itself says so.
    }
    if (source !== null) {
      line = lineOfMissingImport(info.message, path, source)
      if (line === null && info.name === 'SyntaxError') line = await lineOfSyntaxError(path, source)
    }
  }
  if (line && !info.stack?.includes(path)) info.stack = `${info.stack ?? `${info.name}: ${info.message}`}\n    at ${path}:${line}`
  info.message = `${path}${line ? `:${line}` : ''}: ${info.message}`
  info.line = line
  return info
}

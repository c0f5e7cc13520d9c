"""Motia 1.0 http steps that stream their answer, written as Motia 1.0 writes them:
motia-js/playground/steps/api-steps/sse.step.ts and HANDLER_MIGRATION_GUIDE.md §6
("Server-Sent Events"): `response.status()`, `response.headers()`, writes to
`response.stream`, `response.close()`, no return value. (The playground's step also
reads `request.requestBody.stream`, the raw body, which Steppe does not offer yet.)"""

from __future__ import annotations

# Three events; the second waits for the test to set a state flag, which it does only
# after reading the first: so the first arrives before the handler can finish.
SSE = """
import { http, logger, stateManager, type Handlers, type StepConfig } from 'motia'

export const config = {
  name: 'SSE Example',
  flows: ['sse-example'],
  triggers: [http('GET', '/sse')],
  enqueues: [],
} as const satisfies StepConfig

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const handler: Handlers<typeof config> = async ({ request, response }: any) => {
  response.status(200)
  response.headers({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  response.stream.write(`event: item\\ndata: ${JSON.stringify({ n: 1 })}\\n\\n`)
  for (let i = 0; i < 250 && !(await stateManager.get('sse', 'go')); i++) await sleep(20)
  response.stream.write(`event: item\\ndata: ${JSON.stringify({ n: 2 })}\\n\\n`)
  await sleep(30)
  response.stream.write(`event: done\\ndata: ${JSON.stringify({ total: 3 })}\\n\\n`)
  response.close()
  await stateManager.set('sse', 'finished', true)
  logger.info('SSE done')
}
"""

# A plain-text body in chunks; the handler returns without closing (the runner ends it).
TEXT = """
export const config = {
  name: 'Text',
  triggers: [{ type: 'http', method: 'GET', path: '/text' }],
}

export const handler = async ({ response }) => {
  response.headers({ 'content-type': 'text/plain; charset=utf-8' })
  for (let i = 1; i <= 5; i++) {
    response.stream.write(`line ${i}\\n`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
"""

# Writes until its stream is closed under it: the client disconnecting.
FOREVER = """
export const config = {
  name: 'Forever',
  triggers: [{ type: 'http', method: 'GET', path: '/forever' }],
}

export const handler = async ({ response }, { logger }) => {
  response.headers({ 'content-type': 'text/plain' })
  let failed = null
  response.stream.on('close', () => logger.info('stream closed'))
  for (let i = 0; i < 400 && !response.stream.destroyed; i++) {
    response.stream.write(`tick ${i}\\n`, (err) => { if (err) failed = err.name })
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  logger.info('writes stopped', { destroyed: response.stream.destroyed, failed })
}
"""

# Throws once its answer has begun.
BOOM = """
export const config = {
  name: 'Boom',
  triggers: [{ type: 'http', method: 'GET', path: '/boom' }],
}

export const handler = async ({ response }) => {
  response.headers({ 'content-type': 'text/plain' })
  response.stream.write('first\\n')
  await new Promise((resolve) => setTimeout(resolve, 100))
  throw new Error('boom after streaming')
}
"""

# Writes 64 KiB chunks as fast as each is taken, counting what was taken.
FLOOD = """
export const config = {
  name: 'Flood',
  triggers: [{ type: 'http', method: 'GET', path: '/flood' }],
}

export const handler = async ({ response }, { state }) => {
  const chunk = Buffer.alloc(64 * 1024, 120)
  let taken = 0
  for (let i = 0; i < 2000 && !response.stream.destroyed; i++) {
    const ok = await new Promise((resolve) => response.stream.write(chunk, (err) => resolve(!err)))
    if (!ok) break
    taken += chunk.length
    if (i % 8 === 0) await state.set('flood', 'taken', taken).catch(() => {})
  }
}
"""

# Streams past its handler timeout.
SLOW = """
export const config = {
  name: 'Slow',
  triggers: [{ type: 'http', method: 'GET', path: '/slow' }],
  infrastructure: { handler: { timeout: 1 } },
}

export const handler = async ({ response }) => {
  response.stream.write('started\\n')
  await new Promise((resolve) => setTimeout(resolve, 60_000))
}
"""

# A head no HTTP response can have.
BAD_HEAD = """
export const config = {
  name: 'BadHead',
  triggers: [{ type: 'http', method: 'GET', path: '/bad-head' }],
}

export const handler = async ({ response }) => {
  response.status(99)
  response.stream.write('never sent')
  await new Promise((resolve) => response.stream.on('close', resolve))
}
"""

PROJECT = {
    "steps/sse.step.ts": SSE,
    "steps/text.step.js": TEXT,
    "steps/forever.step.js": FOREVER,
    "steps/boom.step.js": BOOM,
    "steps/flood.step.js": FLOOD,
    "steps/slow.step.js": SLOW,
    "steps/bad-head.step.js": BAD_HEAD,
}

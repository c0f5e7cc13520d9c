"""Motia 1.0 http steps that stream their answer, written as Motia 1.0 writes them (Node,
and the SSE, disconnect and error cases in Python and Ruby too):
motia-js/playground/steps/api-steps/sse.step.ts and HANDLER_MIGRATION_GUIDE.md §6
("Server-Sent Events"): `response.status()`, `response.headers()`, writes to
`response.stream`, `response.close()`, no return value. (The playground's step also
reads `request.requestBody.stream`, the raw body: tests/triggers/test_v1_request_body.py.)"""

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

# The same in Python, as motia-py writes it (HANDLER_MIGRATION_GUIDE.md §6, Python; motia-py
# README.md): awaited status()/headers(), `response.writer.stream.write(bytes)`, close().
SSE_PY = """
import asyncio
import json
from typing import Any

from motia import MotiaHttpArgs, http, logger, state_manager

config = {
    "name": "SSE Py",
    "flows": ["sse-example"],
    "triggers": [http("GET", "/py/sse")],
    "enqueues": [],
}


def event(name: str, data: Any) -> bytes:
    return f"event: {name}\\ndata: {json.dumps(data, separators=(',', ':'))}\\n\\n".encode()


async def handler(args: MotiaHttpArgs[Any]) -> None:
    response = args.response
    await response.status(200)
    await response.headers({"content-type": "text/event-stream", "cache-control": "no-cache"})
    response.writer.stream.write(event("item", {"n": 1}))
    for _ in range(250):
        if await state_manager.get("sse-py", "go"):
            break
        await asyncio.sleep(0.02)
    response.writer.stream.write(event("item", {"n": 2}))
    await asyncio.sleep(0.03)
    response.writer.stream.write(event("done", {"total": 3}))
    response.close()
    await state_manager.set("sse-py", "finished", True)
    logger.info("SSE done")
"""

# A plain `def`: each write blocks until taken; once the client left, a write raises.
FOREVER_PY = """
import time

config = {
    "name": "ForeverPy",
    "triggers": [{"type": "http", "method": "GET", "path": "/py/forever"}],
}


def handler(args, ctx):
    args.response.headers({"content-type": "text/plain"})
    failed = None
    try:
        for i in range(400):
            args.response.stream.write(f"tick {i}\\n")
            time.sleep(0.025)
    except Exception as exc:
        failed = getattr(exc, "name", type(exc).__name__)
    destroyed = args.response.stream.destroyed
    ctx.logger.info("writes stopped", {"destroyed": destroyed, "failed": failed})
"""

BOOM_PY = """
import asyncio

config = {"name": "BoomPy", "triggers": [{"type": "http", "method": "GET", "path": "/py/boom"}]}


async def handler(args, ctx):
    await args.response.headers({"content-type": "text/plain"})
    await args.response.writer.write(b"first\\n")
    await asyncio.sleep(0.1)
    raise RuntimeError("boom after streaming")
"""

# Ruby: response.stream.write / <<, response.close; each write blocks until taken.
SSE_RB = """
def config
  { name: 'SSE Rb', flows: ['sse-example'],
    triggers: [{ type: 'http', method: 'GET', path: '/rb/sse' }] }
end

def handler(args, ctx)
  response = args['response']
  response.status(200)
  response.headers('content-type' => 'text/event-stream', 'cache-control' => 'no-cache')
  response.stream.write("event: item\\ndata: #{JSON.generate(n: 1)}\\n\\n")
  250.times do
    break if ctx.state.get('sse-rb', 'go')

    sleep 0.02
  end
  response.stream << "event: item\\ndata: #{JSON.generate(n: 2)}\\n\\n"
  sleep 0.03
  response.stream << "event: done\\ndata: #{JSON.generate(total: 3)}\\n\\n"
  response.close
  ctx.state.set('sse-rb', 'finished', true)
  ctx.logger.info('SSE done')
end
"""

FOREVER_RB = """
def config
  { name: 'ForeverRb', triggers: [{ type: 'http', method: 'GET', path: '/rb/forever' }] }
end

def handler(args, ctx)
  response = args['response']
  response.headers('content-type' => 'text/plain')
  failed = nil
  begin
    400.times do |i|
      response.stream.write("tick #{i}\\n")
      sleep 0.025
    end
  rescue Exception => e
    failed = e.respond_to?(:name) ? e.name : e.class.name.split('::').last
  end
  ctx.logger.info('writes stopped', destroyed: response.stream.closed?, failed: failed)
end
"""

BOOM_RB = """
def config
  { name: 'BoomRb', triggers: [{ type: 'http', method: 'GET', path: '/rb/boom' }] }
end

def handler(args, _ctx)
  args['response'].headers('content-type' => 'text/plain')
  args['response'].stream.write("first\\n")
  sleep 0.1
  raise 'boom after streaming'
end
"""

PROJECT = {
    "steps/sse.step.ts": SSE,
    "steps/text.step.js": TEXT,
    "steps/forever.step.js": FOREVER,
    "steps/boom.step.js": BOOM,
    "steps/flood.step.js": FLOOD,
    "steps/slow.step.js": SLOW,
    "steps/bad-head.step.js": BAD_HEAD,
    "steps/sse_py.step.py": SSE_PY,
    "steps/forever_py.step.py": FOREVER_PY,
    "steps/boom_py.step.py": BOOM_PY,
    "steps/sse_rb.step.rb": SSE_RB,
    "steps/forever_rb.step.rb": FOREVER_RB,
    "steps/boom_rb.step.rb": BOOM_RB,
}

// The echo program answers every request with its own parameters.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { it } from 'node:test'
import { Peer } from './harness.mjs'

const vectors = JSON.parse(readFileSync(new URL('../../../tests/protocol_vectors/vectors.json', import.meta.url), 'utf8'))

it('echoes each request, pipelined, and exits when stdin ends', { timeout: 30_000 }, async () => {
  const echo = new Peer('echo.mjs')
  const params = vectors.frames.map((frame) => frame.value.p ?? frame.value.r ?? null)
  const answers = await Promise.all(params.map((p) => echo.request('echo', p)))
  assert.deepEqual(
    answers.map((res) => [res.ok, res.r]),
    params.map((p) => [true, p]),
  )
  assert.deepEqual(await echo.close(), { code: 0, signal: null })
})

// Answers are written straight to the pipe while it takes them (framing.mjs, FrameWriter.flush);
// what it cannot take is queued on the stream, in order.
it('queues in order what a full pipe cannot take', { timeout: 30_000 }, async () => {
  const echo = new Peer('echo.mjs')
  echo.stdout.pause()
  const text = 'x'.repeat(4096)
  const answers = Promise.all(Array.from({ length: 300 }, (_, i) => echo.request('echo', { i, text })))
  await sleep(300) // 1.2 MB of answers against a pipe of 64 KiB
  echo.stdout.resume()
  assert.deepEqual(
    (await answers).map((res) => [res.ok, res.r.i, res.r.text.length]),
    Array.from({ length: 300 }, (_, i) => [true, i, text.length]),
  )
  assert.deepEqual(await echo.close(), { code: 0, signal: null })
})

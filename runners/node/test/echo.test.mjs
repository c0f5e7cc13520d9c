// The echo program answers every request with its own parameters.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
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

// The exchanges of tests/protocol_vectors/vectors.json: the real runner made to
// produce each error name and exit code that schemas/protocol.schema.json lists.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { copyFixture, startRunner } from './harness.mjs'

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'))
const vectors = readJson('../../../tests/protocol_vectors/vectors.json')
const schema = readJson('../../../schemas/protocol.schema.json')
const ERROR_NAMES = new Set(schema.$defs.runnerErrorName.oneOf.map((choice) => choice.const))

// This runner's file for each role the exchanges name (fixtures/project/steps/).
const ROLES = {
  $step: 'typed.step.ts',
  $no_config: 'no-config.step.js',
  $waits: 'slow.step.ts',
  $unserialisable: 'bigint.step.js',
}

function checkAnswer(res, answer) {
  if (answer === 'ok') return assert.equal(res.ok, true, JSON.stringify(res.e))
  assert.ok(ERROR_NAMES.has(answer), answer)
  assert.equal(res.ok, false, JSON.stringify(res.r))
  assert.equal(res.e.name, answer)
}

describe('exchanges', { timeout: 30_000 }, () => {
  let fixture
  before(() => (fixture = copyFixture()))
  after(() => fixture.remove())

  const withFiles = (frame) => {
    const path = frame.p?.path
    if (!(path in ROLES)) return frame
    return { ...frame, p: { ...frame.p, path: join(fixture.dir, 'steps', ROLES[path]) } }
  }

  for (const exchange of vectors.exchanges) {
    it(exchange.name, async () => {
      const runner = await startRunner(fixture.dir)
      runner.answer = () => new Promise(() => {}) // the runner's own requests stay unanswered
      try {
        for (const step of exchange.steps) {
          if (step.send_hex) {
            const answered = step.answer && runner.response(step.id)
            runner.child.stdin.write(Buffer.from(step.send_hex, 'hex'))
            if (answered) checkAnswer(await answered, step.answer)
            continue
          }
          const frame = withFiles(step.send)
          const answered = step.answer && runner.response(frame.id)
          runner.send(frame)
          if (answered) checkAnswer(await answered, step.answer)
        }
        for (const later of exchange.later) checkAnswer(await runner.response(later.id), later.answer)
        const exited = exchange.close_stdin ? await runner.close() : await runner.exited
        assert.deepEqual(exited, { code: exchange.exit, signal: null })
      } finally {
        runner.child.kill()
      }
    })
  }
})

// Local benchmark of the Node runner, measured from this (separate) client
// process over real pipes, as the orchestrator would see it:
//
//   node runners/node/bench-local.mjs [--count 200000] [--window 2000] [--rounds 5000]
//
// - throughput: pipelined invokes of an empty handler (`window` in flight);
// - latency: one request at a time, p50/p99, for the echo program's answer,
//   the runner's ping and the runner's invoke of the same empty handler.

import { Packr } from 'msgpackr'
import { parseArgs } from 'node:util'
import { copyFixture, framed, Peer } from './test/harness.mjs'

const { values: options } = parseArgs({
  options: {
    count: { type: 'string', default: '200000' },
    window: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5000' },
  },
})
const COUNT = Number(options.count)
const WINDOW = Number(options.window)
const ROUNDS = Number(options.rounds)

const packr = new Packr({ useRecords: false, variableMapSize: true })

function invokeFrame(id, path) {
  return framed(packr.pack({
    t: 'req',
    id,
    m: 'invoke',
    p: { iid: id, path, input: { n: id }, ctx: { traceId: `t-${id}`, step: 'Empty', flows: [] } },
  }))
}

// Keeps `WINDOW` invokes in flight, refilling in batches as answers arrive.
async function throughput(peer, path) {
  let sent = 0
  let answered = 0
  let failed = 0
  const refill = () => {
    const frames = []
    while (sent < COUNT && sent - answered < WINDOW) frames.push(invokeFrame(1_000_000 + ++sent, path))
    if (frames.length) peer.child.stdin.write(Buffer.concat(frames))
  }
  const done = new Promise((resolve) => {
    peer.receive = (frame) => {
      if (frame.t !== 'res') return
      answered++
      if (!frame.ok) failed++
      if (answered === COUNT) resolve()
      else if (sent - answered <= WINDOW / 2) refill()
    }
  })
  const start = process.hrtime.bigint()
  refill()
  await done
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (failed) throw new Error(`${failed} invokes failed`)
  return COUNT / seconds
}

// Sequential round trips, interleaved in small blocks across the three kinds so
// that the machine's state (CPU frequency, scheduler) weighs on each alike.
async function latencies(kinds) {
  const samples = kinds.map(() => [])
  const BLOCK = 250
  for (const { peer, method, params } of kinds) for (let i = 0; i < 500; i++) await peer.request(method, params(i))
  for (let done = 0; done < ROUNDS; done += BLOCK) {
    for (const [k, { peer, method, params }] of kinds.entries()) {
      for (let i = done; i < done + BLOCK; i++) {
        const start = process.hrtime.bigint()
        const res = await peer.request(method, params(i))
        samples[k].push(Number(process.hrtime.bigint() - start) / 1000)
        if (!res.ok) throw new Error(JSON.stringify(res.e))
      }
    }
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b)
    return { p50: list[Math.floor(list.length * 0.5)], p99: list[Math.floor(list.length * 0.99)] }
  })
}

const fixture = copyFixture()
const path = `${fixture.dir}/steps/empty.step.js`
const ctx = { traceId: 't', step: 'Empty', flows: [] }
try {
  const echo = new Peer('echo.mjs')
  const runner = new Peer('runner.mjs', ['--project', fixture.dir])
  await runner.ready()
  const loaded = await runner.request('load', { path, kind: 'step' })
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.e))
  const params = (i) => ({ iid: i, path, input: { n: i }, ctx })
  const [echoLatency, pingLatency, invokeLatency] = await latencies([
    { peer: echo, method: 'ping', params },
    { peer: runner, method: 'ping', params },
    { peer: runner, method: 'invoke', params },
  ])
  await echo.close()
  const rate = await throughput(runner, path)
  await runner.close()

  const us = ({ p50, p99 }) => `p50 ${p50.toFixed(1)} µs, p99 ${p99.toFixed(1)} µs`
  console.log(`node ${process.version}, ${COUNT} pipelined invokes (window ${WINDOW}), ${ROUNDS} sequential round trips`)
  console.log(`throughput  invoke (empty handler)  ${Math.round(rate).toLocaleString('en')} /s`)
  console.log(`latency     echo program            ${us(echoLatency)}`)
  console.log(`latency     runner ping             ${us(pingLatency)}`)
  console.log(`latency     runner invoke           ${us(invokeLatency)}  (${(invokeLatency.p50 / echoLatency.p50).toFixed(2)}× echo at p50)`)
} finally {
  fixture.remove()
}

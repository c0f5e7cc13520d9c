// WebSocket subscribers for bench/streams.py: CLIENTS connections (Node's `ws`, from the
// runner's packages) join one group of a stream; each update's `sentAt` (set by the
// handler just before `set`) is compared with when each client receives it.
//
// Usage: node streams_clients.cjs URL STREAM GROUP CLIENTS [no-deflate]
// stdin: one line per phase, `EXPECTED` updates to wait for on every client.
// stdout: "ready" once every client has its sync; "armed" when a phase is taken; then one
// JSON line when every client has had all of the phase's updates:
//   {first, last, p50_ms, p99_ms, received}   (first: earliest sentAt, last: last receipt)

const path = require('node:path')
const readline = require('node:readline')
const Module = require('node:module')

const WebSocket = Module.createRequire(path.join(__dirname, '../runners/node/package.json'))('ws')
const [url, streamName, groupId] = process.argv.slice(2, 5)
const clients = Number(process.argv[5])
// Browsers offer permessage-deflate, and `ws` does too unless told not to.
const perMessageDeflate = process.argv[6] !== 'no-deflate'
const now = () => performance.timeOrigin + performance.now()

let expected = 0
let latencies = []
let counts = new Array(clients).fill(0)
let first = Infinity
let last = 0
let synced = 0
let done = 0

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(fraction * sorted.length) - 1))]
}

function finish() {
  latencies.sort((a, b) => a - b)
  const received = counts.reduce((a, b) => a + b, 0)
  process.stdout.write(`${JSON.stringify({ first, last, p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99), received })}\n`)
}

for (let index = 0; index < clients; index++) {
  const socket = new WebSocket(url, { perMessageDeflate })
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'join', data: { streamName, groupId, subscriptionId: `bench-${index}` } })),
  )
  socket.on('message', (raw) => {
    const received = now()
    const { event } = JSON.parse(raw)
    if (event.type === 'sync') {
      if (++synced === clients) process.stdout.write('ready\n')
      return
    }
    if (event.type !== 'create' && event.type !== 'update') return
    latencies.push(received - event.data.sentAt)
    first = Math.min(first, event.data.sentAt)
    last = Math.max(last, received)
    if (++counts[index] === expected && ++done === clients) finish()
  })
  socket.on('close', () => {
    if (expected && counts[index] < expected) {
      process.stderr.write(`client ${index} was disconnected after ${counts[index]} of ${expected}\n`)
      process.exit(1)
    }
  })
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  expected = Number(line)
  latencies = []
  counts = new Array(clients).fill(0)
  first = Infinity
  last = 0
  done = 0
  process.stdout.write('armed\n')
})
process.stdin.on('end', () => process.exit(0))

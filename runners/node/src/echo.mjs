// The echo program (runners/README.md): answers every request {t:'req', id, p}
// with {t:'res', id, ok: true, r: p}, through the runner's own channel set-up,
// frame decoding and batched writing and nothing else. It is the floor that
// the benchmarks compare an invoke to.
//
//   node runners/node/src/echo.mjs

import { FrameDecoder, FrameWriter } from './protocol.mjs'
import { takeProtocolChannel } from './stdio.mjs'

const writer = new FrameWriter(takeProtocolChannel())
const decoder = new FrameDecoder()

process.stdin.on('data', (chunk) => {
  let frames
  try {
    frames = decoder.feed(chunk)
  } catch (err) {
    process.stderr.write(`steppe node echo: ${err.message}\n`)
    process.exit(1)
  }
  for (const frame of frames) {
    if (frame.t === 'req') writer.response(frame.id, frame.p)
  }
})
process.stdin.on('end', () => process.exit(0))

// The echo program (runners/README.md): answers every request {t:'req', id, p}
// with {t:'res', id, ok: true, r: p}, through the runner's own channel set-up,
// frame reading and batched writing and nothing else. It is the floor that
// the benchmarks compare an invoke to.
//
//   node runners/node/src/echo.mjs

import { FrameWriter, readFrames, refuseBadFrame } from './framing.mjs'
import { takeProtocolChannel } from './stdio.mjs'

const writer = new FrameWriter(takeProtocolChannel())

readFrames(
  process.stdin,
  'steppe node echo',
  (frame) => {
    if (frame.t === 'req') writer.response(frame.id, frame.p)
  },
  (bad) => refuseBadFrame(writer, bad, 'node echo'),
)

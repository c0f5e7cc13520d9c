// The echo program (runners/README.md): answers every request {t:'req', id, p}
// with {t:'res', id, ok: true, r: p}, through the runner's own channel set-up,
// frame reading and batched writing and nothing else. It is the floor that
// the benchmarks compare an invoke to.
//
//   node runners/node/src/echo.mjs

import { FrameWriter, frameReader, refuseBadFrame } from './framing.mjs'
import { readProtocolInput, takeProtocolChannel } from './stdio.mjs'

const { out, fd } = takeProtocolChannel()
const writer = new FrameWriter(out, fd)

const onChunk = frameReader(
  'steppe node echo',
  writer,
  (frame) => {
    if (frame.t === 'req') writer.response(frame.id, frame.p)
  },
  (bad) => refuseBadFrame(writer, bad, 'node echo'),
)
// The orchestrator is gone.
readProtocolInput(onChunk, () => process.exit(0))

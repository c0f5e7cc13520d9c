// The anchor of the `redis` section: BullMQ running a chain of three queues with empty
// handlers on the same redis-server as Steppe. Configured for throughput as BullMQ's
// docs advise: jobs added in bulk, workers with a high concurrency, completed and
// failed jobs removed at once. Prints {events, seconds} as JSON.
// usage: node bullmq_chain.mjs HOST PORT CHAINS
import { Queue, Worker } from 'bullmq'

const [host, port, chains] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
const connection = { host, port }
const prefix = `bench-${process.pid}`
const options = { removeOnComplete: true, removeOnFail: true }
const queues = ['a', 'b', 'c'].map((name) => new Queue(name, { connection, prefix }))
let arrived = 0
let finish
const finished = new Promise((resolve) => { finish = resolve })

const workers = queues.map((queue, i) => new Worker(queue.name, async (job) => {
  if (i < 2) await queues[i + 1].add('event', job.data, options)
  else if (++arrived === chains) finish()
}, { connection, prefix, concurrency: 100 }))
await Promise.all(workers.map((w) => w.waitUntilReady()))

const began = performance.now()
for (let first = 0; first < chains; first += 1000) {
  const jobs = []
  for (let n = first; n < Math.min(chains, first + 1000); n++) {
    jobs.push({ name: 'event', data: { n }, opts: options })
  }
  await queues[0].addBulk(jobs)
}
await finished
const seconds = (performance.now() - began) / 1000
console.log(JSON.stringify({ events: chains * 3, seconds }))
await Promise.all([...workers.map((w) => w.close()), ...queues.map((q) => q.close())])

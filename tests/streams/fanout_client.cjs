// Node `ws` subscribers for tests/streams/test_fanout.py. `ws` offers permessage-deflate,
// as browsers do, and reports what the server agreed to (its handshake response's
// Sec-WebSocket-Extensions) as `socket.extensions`.
//
// Usage: node fanout_client.cjs URL STREAM GROUP CLIENTS COUNT
// stdout, one JSON line each: {"extensions": [...]} once every client has its sync (one
// entry per client); then {"ids": [[...], ...]} once every client has COUNT changes
// (their item ids in the order each client received them).

const path = require('node:path')
const Module = require('node:module')

const WebSocket = Module.createRequire(path.join(__dirname, '../../runners/node/package.json'))('ws')
const [url, streamName, groupId, clients, count] = process.argv.slice(2)
const sockets = []
const ids = []
let synced = 0
let done = 0

for (let index = 0; index < Number(clients); index++) {
  const socket = new WebSocket(url)
  sockets.push(socket)
  ids.push([])
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'join', data: { streamName, groupId, subscriptionId: `s${index}` } })),
  )
  socket.on('message', (raw) => {
    const message = JSON.parse(raw)
    if (message.event.type === 'sync') {
      if (++synced === sockets.length) {
        process.stdout.write(`${JSON.stringify({ extensions: sockets.map((s) => s.extensions) })}\n`)
      }
      return
    }
    ids[index].push(message.id)
    if (ids[index].length === Number(count) && ++done === sockets.length) {
      process.stdout.write(`${JSON.stringify({ ids })}\n`)
      process.exit(0)
    }
  })
}

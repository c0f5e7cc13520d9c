// Motia's own browser client, @motiadev/stream-client-browser 0.2.2, unchanged, under
// Node with `ws` as its WebSocket, driven by pytest (tests/streams/test_motia_client.py).
//
// The package ships ES modules with extensionless imports, meant for a bundler (as a
// browser app would use it), so it is bundled here with esbuild for the browser.
//
// Usage: node motia_client.cjs URL
// stdin, one JSON command a line:
//   {"cmd": "group", "key", "stream", "group"}        subscribeGroup
//   {"cmd": "item", "key", "stream", "group", "id"}   subscribeItem
//   {"cmd": "close", "key"}                           subscription.close()
// stdout, one JSON line per observation:
//   {"open": true}                                     the socket opened
//   {"key", "state"}                                   a change listener fired
//   {"key", "event", "data"}                           a custom event arrived (onEvent)

const path = require('node:path')
const readline = require('node:readline')
const Module = require('node:module')

const runnerRequire = Module.createRequire(path.join(__dirname, '../../runners/node/package.json'))
globalThis.WebSocket = runnerRequire('ws')

function loadClient() {
  const esbuild = runnerRequire('esbuild')
  const entry = runnerRequire.resolve('@motiadev/stream-client-browser')
  const bundled = esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'cjs', write: false })
  const module = new Module(entry)
  module._compile(bundled.outputFiles[0].text, entry)
  return module.exports
}

const { Stream } = loadClient()
const EVENTS = ['error', 'typing', 'ping']
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`)

const stream = new Stream(process.argv[2])
stream.ws.addEventListener('open', () => say({ open: true }))
const subscriptions = new Map()

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line)
  if (command.cmd === 'close') {
    subscriptions.get(command.key).close()
    return say({ key: command.key, closed: true })
  }
  const subscription =
    command.cmd === 'group'
      ? stream.subscribeGroup(command.stream, command.group)
      : stream.subscribeItem(command.stream, command.group, command.id)
  subscription.addChangeListener((state) => say({ key: command.key, state }))
  for (const type of EVENTS) subscription.onEvent(type, (data) => say({ key: command.key, event: type, data }))
  subscriptions.set(command.key, subscription)
})
// The client reconnects forever on its own; when pytest is done, so is this process.
process.stdin.on('end', () => process.exit(0))

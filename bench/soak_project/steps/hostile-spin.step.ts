// Hostile: blocks the Node runner's event loop for good; the heartbeat replaces the runner.
export const config = { type: 'api', name: 'HostileSpin', method: 'GET', path: '/hostile/spin', emits: [] }
export const handler = async () => {
  while (true) {}
}

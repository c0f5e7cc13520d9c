// The same handler as ordered.step.js, on a standard queue (no order).
exports.config = {
  type: 'event', name: 'Unordered', subscribes: ['bench.unordered'], emits: [],
}
exports.handler = async () => {}

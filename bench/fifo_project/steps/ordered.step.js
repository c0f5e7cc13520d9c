// The same handler as unordered.step.js, on a FIFO queue: bench.fifo events run one
// at a time per message group, groups side by side.
exports.config = {
  type: 'event', name: 'Ordered', subscribes: ['bench.fifo'], emits: [],
  infrastructure: { queue: { type: 'fifo' } },
}
exports.handler = async () => {}

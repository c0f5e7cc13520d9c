export const config = { type: 'event', name: 'EmptyNode', subscribes: ['bench.empty.node'], emits: [] }
export const handler = async () => {}

// Chain link 1 of 3 (TypeScript): bench.chain.1 → bench.chain.2
export const config = {
  type: 'event', name: 'ChainStart', subscribes: ['bench.chain.1'], emits: ['bench.chain.2'],
  input: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] },
  infrastructure: { queue: { concurrency: 256 } },
}
export const handler = async (input: { n: number }, { emit }: any) => {
  await emit({ topic: 'bench.chain.2', data: { n: input.n } })
}

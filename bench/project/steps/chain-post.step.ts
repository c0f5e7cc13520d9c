// The chain's HTTP entry (TypeScript): POST /chain/:n starts a chain for order n.
export const config = {
  type: 'api', name: 'ChainPost', method: 'POST', path: '/chain/:n', emits: ['bench.chain.1'],
}
export const handler = async (req: any, { emit }: any) => {
  await emit({ topic: 'bench.chain.1', data: { n: Number(req.pathParams.n) } })
  return { status: 202, body: { accepted: true } }
}

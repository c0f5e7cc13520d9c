// Motia 1.0's state and stream calls through the TypeScript context (tests/state/test_atomic_updates.py).
export const config = { type: 'api', name: 'AtomicTs', method: 'POST', path: '/atomic/ts', emits: [] }

export const handler = async (req: any, { state, streams }: any) => {
  const { op, group, key, ops, count, stream, groupId, id } = req.body
  try {
    const calls: Record<string, () => Promise<unknown>> = {
      // `count` updates at once: none awaits another.
      fan: () => Promise.all(Array.from({ length: count }, () => state.update(group, key, ops))),
      update: () => state.update(group, key, ops),
      list: () => state.list(group),
      listGroups: () => state.listGroups(),
      streamUpdate: () => streams[stream].update(groupId, id, ops),
      streamList: () => streams[stream].list(groupId),
      streamListGroups: () => streams[stream].listGroups(),
      // A value `count` arrays deep, built here: a request body cannot carry one that deep.
      deep: () => {
        let value: unknown[] = []
        for (let n = 1; n < count; n++) value = [value]
        return state.update(group, key, [{ type: 'set', path: 'v', value }])
      },
    }
    return { status: 200, body: { result: (await calls[op]()) ?? null } }
  } catch (err: any) {
    return { status: 422, body: { error: { name: err.name, message: err.message } } }
  }
}

// Performs one stream operation through the TypeScript context; errors come back as 422.
export const config = { type: 'api', name: 'OpsTs', method: 'POST', path: '/ops/ts', emits: [] }

export const handler = async (req: any, { streams }: any) => {
  const { stream, op, groupId, id, data, channel, event } = req.body
  try {
    const s = streams[stream]
    let result
    if (op === 'get') result = await s.get(groupId, id)
    else if (op === 'set') result = await s.set(groupId, id, data)
    else if (op === 'delete') result = await s.delete(groupId, id)
    else if (op === 'getGroup') result = await s.getGroup(groupId)
    else if (op === 'send') result = await s.send(channel, event)
    else if (op === 'setMany') {
      // `count` items one after another, each padded to about `pad` characters.
      const pad = 'x'.repeat(data.pad ?? 0)
      for (let n = 0; n < data.count; n++) await s.set(groupId, `${id}-${n}`, data.pad ? { n, pad } : { n })
    } else if (op === 'setTogether') {
      // `count` items at once: every set is sent before the first is answered.
      await Promise.all(Array.from({ length: data.count }, (_, n) => s.set(groupId, `${id}-${n}`, { n })))
    }
    return { status: 200, body: { result: result ?? null } }
  } catch (err: any) {
    return { status: 422, body: { error: { name: err.name, message: err.message } } }
  }
}

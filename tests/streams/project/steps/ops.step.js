// The same through the JavaScript (CommonJS) context.
exports.config = { type: 'api', name: 'OpsJs', method: 'POST', path: '/ops/js', emits: [] }

exports.handler = async (req, ctx) => {
  const { stream, op, groupId, id, data, channel, event } = req.body
  try {
    const s = ctx.streams[stream]
    const result = await {
      get: () => s.get(groupId, id),
      set: () => s.set(groupId, id, data),
      delete: () => s.delete(groupId, id),
      getGroup: () => s.getGroup(groupId),
      send: () => s.send(channel, event),
    }[op]()
    return { status: 200, body: { result: result ?? null } }
  } catch (err) {
    return { status: 422, body: { error: { name: err.name, message: err.message } } }
  }
}

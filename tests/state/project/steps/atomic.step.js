// The same through the JavaScript (CommonJS) context.
exports.config = { type: 'api', name: 'AtomicJs', method: 'POST', path: '/atomic/js', emits: [] }

exports.handler = async (req, ctx) => {
  const { op, group, key, ops, count, stream, groupId, id } = req.body
  try {
    const calls = {
      fan: () => Promise.all(Array.from({ length: count }, () => ctx.state.update(group, key, ops))),
      update: () => ctx.state.update(group, key, ops),
      list: () => ctx.state.list(group),
      listGroups: () => ctx.state.listGroups(),
      streamUpdate: () => ctx.streams[stream].update(groupId, id, ops),
      streamList: () => ctx.streams[stream].list(groupId),
      streamListGroups: () => ctx.streams[stream].listGroups(),
    }
    return { status: 200, body: { result: (await calls[op]()) ?? null } }
  } catch (err) {
    return { status: 422, body: { error: { name: err.name, message: err.message } } }
  }
}

# The same through the Ruby context (synchronous calls; threads for the fan-out).
def config
  { type: 'api', name: 'AtomicRb', method: 'POST', path: '/atomic/rb', emits: [] }
end

def handler(req, context)
  body = req['body']
  state = context.state
  result =
    case body['op']
    when 'fan'
      Array.new(body['count']) { Thread.new { state.update(body['group'], body['key'], body['ops']) } }.map(&:value)
    when 'update' then state.update(body['group'], body['key'], body['ops'])
    when 'list' then state.list(body['group'])
    when 'listGroups' then state.list_groups
    when 'streamUpdate' then context.streams[body['stream']].update(body['groupId'], body['id'], body['ops'])
    when 'streamList' then context.streams[body['stream']].list(body['groupId'])
    else context.streams[body['stream']].list_groups
    end
  { status: 200, body: { result: result } }
rescue Steppe::RemoteError => e
  { status: 422, body: { error: { name: e.name, message: e.message } } }
end

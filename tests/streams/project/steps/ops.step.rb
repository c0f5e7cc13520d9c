# The same through the Ruby context (synchronous calls).
def config
  { type: 'api', name: 'OpsRb', method: 'POST', path: '/ops/rb', emits: [] }
end

def handler(req, context)
  body = req['body']
  stream = context.streams[body['stream']]
  result =
    case body['op']
    when 'get' then stream.get(body['groupId'], body['id'])
    when 'set' then stream.set(body['groupId'], body['id'], body['data'])
    when 'delete' then stream.delete(body['groupId'], body['id'])
    when 'getGroup' then stream.get_group(body['groupId'])
    else stream.send(body['channel'], body['event'])
    end
  { status: 200, body: { result: result } }
rescue Steppe::RemoteError => e
  { status: 422, body: { error: { name: e.name, message: e.message } } }
end

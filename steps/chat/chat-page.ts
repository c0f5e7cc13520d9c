// The chat page: plain HTML and script, nothing fetched from elsewhere.
//
// It joins the conversation's group of the `chat-messages` stream over the WebSocket on
// /__streams (Motia's protocol: a `sync` snapshot, then create/update/delete), and while the
// socket is down it polls GET /streams/chat-messages/{conversation} once a second instead,
// trying the socket again every few seconds.
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Steppe chat</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  header { display: flex; justify-content: space-between; align-items: baseline; }
  #link { font-size: .85rem; color: #666; }
  #status { font-size: .85rem; padding: .1rem .5rem; border-radius: 1rem; background: #eee; }
  #status.live { background: #d4f5dd; } #status.polling { background: #fcefc7; }
  #log { border: 1px solid #ddd; border-radius: .5rem; padding: 1rem; min-height: 16rem; }
  .message { margin: .5rem 0; white-space: pre-wrap; }
  .user { text-align: right; } .user span { background: #e6f0ff; }
  .message span { display: inline-block; padding: .4rem .7rem; border-radius: .7rem; background: #f3f3f3; max-width: 85%; text-align: left; }
  .pending span::after, .streaming span::after { content: " ▍"; color: #999; }
  .error span { background: #fde2e2; }
  form { display: flex; gap: .5rem; margin-top: 1rem; }
  input { flex: 1; padding: .5rem; font: inherit; } button { padding: .5rem 1rem; font: inherit; }
  #problem { color: #b00; min-height: 1.5em; }
</style>
</head>
<body>
<header><h1>Chat</h1><span id="status">connecting…</span></header>
<p id="link"></p>
<div id="log" aria-live="polite"></div>
<form id="form"><input id="text" autocomplete="off" placeholder="Say something" required><button>Send</button></form>
<p id="problem"></p>
<script>
(() => {
  const STREAM = 'chat-messages'
  const conversation = location.hash.slice(1) || Math.random().toString(36).slice(2, 10)
  location.hash = conversation
  document.getElementById('link').textContent = 'Conversation ' + conversation + ' (open this page elsewhere to watch it live)'
  const items = new Map()
  const log = document.getElementById('log')
  const status = document.getElementById('status')
  const problem = document.getElementById('problem')

  function render() {
    const sorted = [...items.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || (a.role === 'user' ? -1 : 1))
    log.replaceChildren(...sorted.map((m) => {
      const row = document.createElement('div')
      row.className = 'message ' + m.role + ' ' + m.status
      const bubble = document.createElement('span')
      bubble.textContent = m.status === 'error' ? (m.content + ' [' + (m.error || 'failed') + ']') : m.content
      row.append(bubble)
      return row
    }))
    log.scrollTop = log.scrollHeight
  }
  function replaceAll(list) { items.clear(); for (const m of list) items.set(m.id, m); render() }
  function show(mode) { status.textContent = mode === 'live' ? 'live (WebSocket)' : 'polling (REST)'; status.className = mode }

  let socket = null
  let poller = null
  function startPolling() {
    show('polling')
    if (poller) return
    const poll = async () => {
      try {
        const response = await fetch('/streams/' + STREAM + '/' + encodeURIComponent(conversation))
        if (response.ok) replaceAll(await response.json())
      } catch (err) { /* the server is away; the next poll tries again */ }
    }
    poll()
    poller = setInterval(poll, 1000)
  }
  function stopPolling() { clearInterval(poller); poller = null }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://'
    try { socket = new WebSocket(scheme + location.host + '/__streams') } catch (err) { return startPolling() }
    const opened = setTimeout(() => socket.readyState !== WebSocket.OPEN && startPolling(), 3000)
    socket.onopen = () => {
      clearTimeout(opened)
      socket.send(JSON.stringify({ type: 'join', data: { streamName: STREAM, groupId: conversation, subscriptionId: 'page' } }))
    }
    socket.onmessage = (message) => {
      const { event } = JSON.parse(message.data)
      if (event.type === 'sync') { stopPolling(); show('live'); return replaceAll(event.data || []) }
      if (event.type === 'create' || event.type === 'update') items.set(event.data.id, event.data)
      else if (event.type === 'delete') items.delete(event.data.id)
      else if (event.type === 'event' && event.event.type === 'error') problem.textContent = event.event.data.message
      render()
    }
    socket.onclose = () => { clearTimeout(opened); startPolling(); setTimeout(connect, 5000) }
  }

  document.getElementById('form').addEventListener('submit', async (submitted) => {
    submitted.preventDefault()
    const input = document.getElementById('text')
    problem.textContent = ''
    const response = await fetch('/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: conversation, message: input.value }),
    })
    if (response.ok) { input.value = ''; return }
    const body = await response.json().catch(() => ({}))
    problem.textContent = (body.error || 'the message was not sent') + (body.missing ? ': set ' + body.missing.join(', ') : '')
  })
  connect()
})()
</script>
</body>
</html>
`

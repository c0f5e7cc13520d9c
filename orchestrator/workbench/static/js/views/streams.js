// Streams: the project's streams and their groups; watch a group live over the
// Motia stream protocol (WebSocket /__streams: join, then sync/create/update/delete).

import { api, enc, openSocket } from '../api.js'
import { h, replace, empty, errorBox, languageBadge, stepLanguage, fmtClock } from '../dom.js'
import { jsonView, compact } from '../json.js'

const KEEP_EVENTS = 60

/** One watched group: a socket, the items by id, and what arrived. */
function watchGroup (streamName, groupId, { onItems, onEvent, onState }) {
  const items = new Map()
  const subscriptionId = `workbench-${crypto.randomUUID()}`
  let socket = null
  let closed = false
  let poll = null
  const emitItems = () => onItems([...items.values()])
  async function fallback () {
    // The REST snapshot (admin view) when the socket cannot be had.
    try {
      const list = await api(`/streams/${enc(streamName)}/${enc(groupId)}`)
      items.clear()
      for (const item of list) items.set(item.id, item)
      emitItems()
    } catch (error) { onEvent({ type: 'error', data: { message: error.message } }) }
  }
  function connect () {
    socket = openSocket('/__streams', { tokenParam: 'authToken' })
    socket.addEventListener('open', () => {
      onState('live')
      socket.send(JSON.stringify({ type: 'join', data: { streamName, groupId, subscriptionId } }))
    })
    socket.addEventListener('message', message => {
      let data
      try { data = JSON.parse(message.data) } catch { return }
      const event = data.event || {}
      if (data.streamName && (data.streamName !== streamName || data.groupId !== groupId)) return
      if (event.type === 'sync') {
        items.clear()
        for (const item of Array.isArray(event.data) ? event.data : []) items.set(item.id, item)
      } else if (event.type === 'create' || event.type === 'update') {
        items.set(data.id ?? event.data?.id, event.data)
      } else if (event.type === 'delete') {
        items.delete(data.id ?? event.data?.id)
      }
      onEvent({ time: data.timestamp, type: event.type, id: data.id, data: event.type === 'event' ? event.event : event.data })
      if (event.type !== 'event') emitItems({ changed: data.id })
    })
    socket.addEventListener('close', () => {
      if (closed) return
      onState('polling')
      fallback()
      poll = setInterval(fallback, 2000)
    })
  }
  connect()
  return {
    close () {
      closed = true
      clearInterval(poll)
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'leave', data: { streamName, groupId, subscriptionId } }))
      }
      if (socket) socket.close()
    }
  }
}

export default {
  async mount (container, params, query, ctx) {
    const list = h('nav', { class: 'list streams-list', 'aria-label': 'Streams' })
    const main = h('div', { class: 'panel' })
    const refreshButton = h('button', { type: 'button', class: 'small' }, 'Refresh')
    container.append(h('header', { class: 'view-head' }, h('h1', null, 'Streams'), refreshButton), h('div', { class: 'columns' }, list, main))
    let data = { available: false, streams: [] }
    let streamName = params[0] || null
    let groupId = params[1] || null
    let watcher = null

    async function load () {
      data = await api('/streams')
      replace(list, data.streams.length
        ? data.streams.map(s => h('a', { href: `#/streams/${enc(s.name)}`, class: s.name === streamName ? 'active' : '', dataset: { stream: s.name } },
          h('strong', null, s.name), h('span', { class: 'muted' }, `${s.groups.length} group${s.groups.length === 1 ? '' : 's'}`)))
        : empty(data.available
          ? 'No streams in this project: add a *.stream.ts, *.stream.js, *_stream.py or *.stream.rb file.'
          : 'Streams are not available on this server.'))
    }

    function show () {
      if (watcher) { watcher.close(); watcher = null }
      for (const a of list.querySelectorAll('a')) a.classList.toggle('active', a.dataset.stream === streamName)
      const stream = data.streams.find(s => s.name === streamName) || (streamName ? null : data.streams[0])
      if (!stream) { replace(main, empty(streamName ? `No stream named ${streamName}.` : 'Pick a stream.')); return }
      streamName = stream.name
      const groupInput = h('input', { type: 'text', name: 'group', placeholder: 'group id', value: groupId || '', autocomplete: 'off', 'aria-label': 'group id' })
      const watchForm = h('form', { class: 'row' }, groupInput, h('button', { type: 'submit', class: 'primary' }, 'Watch'))
      watchForm.addEventListener('submit', event => {
        event.preventDefault()
        if (groupInput.value) ctx.navigate('streams', stream.name, groupInput.value)
      })
      const groups = h('div', { class: 'chips' }, stream.groups.length
        ? stream.groups.map(g => h('a', { class: ['chip', g.groupId === groupId ? 'active' : ''], href: `#/streams/${enc(stream.name)}/${enc(g.groupId)}`, dataset: { group: g.groupId } },
          g.groupId, h('span', { class: 'count' }, String(g.items)), g.watchers ? h('span', { class: 'muted' }, ` · ${g.watchers} watching`) : null))
        : h('span', { class: 'muted' }, 'No group holds items yet.'))
      const watchHolder = h('div', { class: 'watch' })
      replace(main,
        h('div', { class: 'endpoint-head' }, h('h2', null, stream.name),
          h('div', { class: 'badges' }, languageBadge(stepLanguage({ file: stream.file, language: stream.language })), h('code', { class: 'file-path muted' }, stream.file),
            ...['canAccess', 'onJoin', 'onLeave'].map(hook => stream[hook] ? h('span', { class: 'tag' }, hook) : null))),
        h('div', { class: 'split-even' },
          h('section', { class: 'detail-section' }, h('h3', null, 'Groups'), groups, watchForm, watchHolder),
          h('section', { class: 'detail-section' }, h('h3', null, 'Schema'), stream.schema ? jsonView(stream.schema) : empty('No schema.'),
            h('h3', null, 'Base config'), jsonView(stream.baseConfig))))
      if (groupId) watch(stream, watchHolder)
    }

    function watch (stream, holder) {
      const state = h('span', { class: 'live-status', dataset: { state: 'connecting' } }, h('i'), h('span', null, 'connecting'))
      const table = h('tbody')
      const events = h('ol', { class: 'stream-events' })
      const countText = h('span', { class: 'muted' })
      replace(holder,
        h('h3', null, 'Watching ', h('code', null, groupId), ' ', state, ' ', countText),
        h('table', { class: 'items' }, h('thead', null, h('tr', null, h('th', null, 'id'), h('th', null, 'item'))), table),
        h('h3', null, 'Messages'), events)
      watcher = watchGroup(stream.name, groupId, {
        onState (s) { state.dataset.state = s; state.querySelector('span').textContent = s },
        onItems (items) {
          countText.textContent = `${items.length} item${items.length === 1 ? '' : 's'}`
          replace(table, items.length
            ? items.map(item => h('tr', { dataset: { id: String(item.id) } }, h('td', null, h('code', null, String(item.id))), h('td', null, jsonView(item))))
            : h('tr', null, h('td', { colspan: 2, class: 'muted' }, 'The group is empty.')))
        },
        onEvent (event) {
          events.prepend(h('li', { dataset: { type: event.type } }, h('span', { class: 'time' }, fmtClock((event.time || Date.now()) / 1000)), ' ',
            h('strong', null, event.type), event.id ? [' ', h('code', null, event.id)] : null, ' ', h('span', { class: 'muted' }, compact(event.data).slice(0, 160))))
          while (events.children.length > KEEP_EVENTS) events.lastChild.remove()
        }
      })
    }

    refreshButton.addEventListener('click', async () => { await load(); show() })
    try {
      await load()
    } catch (error) {
      replace(main, errorBox(error))
      return {}
    }
    show()
    return {
      update (next) {
        streamName = next[0] || null
        groupId = next[1] || null
        load().then(show)
      },
      cleanup () { if (watcher) watcher.close() }
    }
  }
}

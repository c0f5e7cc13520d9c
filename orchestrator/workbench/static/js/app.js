// The workbench shell: navigation, hash routing, the live feed, the token prompt.

import { api, auth, Live } from './api.js'
import { h, replace, errorBox } from './dom.js'
import flows from './views/flows.js'
import endpoints from './views/endpoints.js'
import traces from './views/traces.js'
import logs from './views/logs.js'
import state from './views/state.js'
import streams from './views/streams.js'
import deadLetters from './views/dlq.js'
import emit from './views/emit.js'

const VIEWS = [
  ['flows', 'Flows', flows],
  ['endpoints', 'Endpoints', endpoints],
  ['traces', 'Traces', traces],
  ['logs', 'Logs', logs],
  ['state', 'State', state],
  ['streams', 'Streams', streams],
  ['dlq', 'Dead letters & cron', deadLetters],
  ['emit', 'Emit', emit]
]

const live = new Live()
const ctx = { live, info: null, navigate }
let mounted = null // { name, cleanup, update }
let routeSeq = 0

function parseHash () {
  const raw = location.hash.replace(/^#\/?/, '')
  const [path, query = ''] = raw.split('?')
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  return { name: parts[0] || 'flows', params: parts.slice(1), query: new URLSearchParams(query) }
}

export function navigate (name, ...params) {
  const hash = '#/' + [name, ...params.map(encodeURIComponent)].join('/')
  if (location.hash !== hash) location.hash = hash
}

function renderNav (active) {
  const nav = document.getElementById('nav')
  replace(nav, VIEWS.map(([name, title]) => h('a', {
    href: `#/${name}`,
    class: name === active ? 'active' : '',
    'aria-current': name === active ? 'page' : null,
    dataset: { view: name }
  }, title)))
}

async function route () {
  const { name, params, query } = parseHash()
  const entry = VIEWS.find(([n]) => n === name) || VIEWS[0]
  const [viewName, title, view] = entry
  renderNav(viewName)
  document.title = `${title} · Steppe workbench`
  if (mounted && mounted.name === viewName && mounted.update) {
    mounted.update(params, query)
    return
  }
  if (mounted && mounted.cleanup) mounted.cleanup()
  mounted = null
  // Each view mounts into a fresh element: a view still loading when the next one is
  // asked for writes into a detached element and is cleaned up, never mixed in.
  const seq = ++routeSeq
  const view$ = document.getElementById('view')
  const host = h('div', { class: 'view-inner' })
  view$.dataset.view = viewName
  replace(view$, host)
  try {
    const handle = (await view.mount(host, params, query, ctx)) || {}
    if (seq !== routeSeq) {
      if (handle.cleanup) handle.cleanup()
      return
    }
    mounted = { name: viewName, ...handle }
  } catch (error) {
    if (seq !== routeSeq) return
    console.error(error)
    host.append(errorBox(error))
  }
}

function showTokenDialog (message) {
  const dialog = document.getElementById('token-dialog')
  dialog.hidden = false
  document.getElementById('token-error').textContent = message || ''
  document.getElementById('token-input').focus()
}

function setupToken () {
  auth.onRefused = (status, body) => {
    if (status === 401) showTokenDialog(auth.token ? 'That token was refused.' : '')
    else if (status === 403) showTokenDialog((body && body.error) || 'The admin API is off.')
  }
  document.getElementById('token-form').addEventListener('submit', event => {
    event.preventDefault()
    const value = document.getElementById('token-input').value.trim()
    if (!value) return
    auth.set(value)
    document.getElementById('token-dialog').hidden = true
    start()
  })
}

function setupLiveStatus () {
  const el = document.getElementById('live-status')
  live.on('status', ({ state }) => {
    el.dataset.state = state
    el.querySelector('span').textContent = state
  })
}

let started = false
async function start () {
  try {
    ctx.info = await api('/workbench/info')
  } catch (error) {
    if (error.status === 401 || error.status === 403) return
    document.getElementById('view').append(errorBox(error))
    return
  }
  document.getElementById('project-name').textContent = ctx.info.project
  document.getElementById('project-name').title = ctx.info.root
  const mode = document.getElementById('mode')
  mode.textContent = ctx.info.mode
  mode.dataset.mode = ctx.info.mode
  if (!started) {
    started = true
    window.addEventListener('hashchange', route)
    live.connect()
  } else {
    live.reconnect()
  }
  if (mounted && mounted.cleanup) mounted.cleanup()
  mounted = null
  await route()
  document.body.dataset.ready = 'true'
}

setupToken()
setupLiveStatus()
start()

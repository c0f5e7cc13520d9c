// Logs: a live tail, filtered by level, step and trace id, with a text search.

import { api } from '../api.js'
import { h, replace, fmtClock, shortId, debounce } from '../dom.js'
import { compact } from '../json.js'

const LEVELS = ['debug', 'info', 'warn', 'error']
const KEEP = 5000
const SHOWN = 1500

export default {
  async mount (container, params, query, ctx) {
    const level = h('select', { 'aria-label': 'minimum level', name: 'level' }, LEVELS.map(l => h('option', { value: l }, `${l} and above`)))
    const step = h('select', { 'aria-label': 'step', name: 'step' }, h('option', { value: '' }, 'all steps'))
    const trace = h('input', { type: 'search', name: 'trace', placeholder: 'trace id', 'aria-label': 'trace id', autocomplete: 'off' })
    const search = h('input', { type: 'search', name: 'search', placeholder: 'Search messages and fields', 'aria-label': 'search logs', autocomplete: 'off' })
    const pause = h('button', { type: 'button', class: 'small', 'aria-pressed': 'false' }, 'Pause')
    const clearButton = h('button', { type: 'button', class: 'small ghost' }, 'Clear')
    const count = h('span', { class: 'muted count' })
    const body = h('tbody')
    const scroller = h('div', { class: 'log-scroller' }, h('table', { class: 'logs' },
      h('thead', null, h('tr', null, ['time', 'level', 'step', 'message', 'trace'].map(c => h('th', null, c)))), body))
    container.append(
      h('header', { class: 'view-head' }, h('h1', null, 'Logs'), h('div', { class: 'filters' }, level, step, trace, search, pause, clearButton, count)),
      scroller)
    level.value = query.get('level') || 'debug'
    trace.value = query.get('trace') || ''
    const steps = await api('/steps')
    for (const s of steps.map(s => s.name).sort()) step.append(h('option', { value: s }, s))
    step.value = query.get('step') || ''

    let entries = await api('/logs')
    let paused = false
    let held = []

    function matches (e) {
      if (LEVELS.indexOf(e.level) < LEVELS.indexOf(level.value)) return false
      if (step.value && e.step !== step.value) return false
      if (trace.value.trim() && !(e.traceId || '').startsWith(trace.value.trim())) return false
      const needle = search.value.trim().toLowerCase()
      if (needle && !`${e.msg} ${e.step || ''} ${e.source || ''} ${e.fields ? compact(e.fields) : ''}`.toLowerCase().includes(needle)) return false
      return true
    }
    function row (e) {
      const fields = e.fields && e.source !== 'tracing' ? compact(e.fields) : ''
      return h('tr', { class: `row-${e.level}`, dataset: { level: e.level, step: e.step || '', traceId: e.traceId || '' } },
        h('td', { class: 'time', title: new Date(e.time * 1000).toISOString() }, fmtClock(e.time)),
        h('td', null, h('span', { class: `level level-${e.level}` }, e.level)),
        h('td', { class: 'step' }, e.step ? h('button', { type: 'button', class: 'link', onclick: () => { step.value = e.step; render() } }, e.step) : h('span', { class: 'muted' }, e.source || '')),
        h('td', { class: 'msg' }, e.msg, fields ? h('span', { class: 'fields' }, ' ', fields) : null),
        h('td', { class: 'trace' }, e.traceId
          ? [h('button', { type: 'button', class: 'link mono', title: 'Show only this trace', onclick: () => { trace.value = e.traceId; render() } }, shortId(e.traceId)),
              h('a', { href: `#/traces/${e.traceId}`, title: 'Open the trace', class: 'open' }, '↗')]
          : ''))
    }
    const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40
    function render () {
      const shown = entries.filter(matches).slice(-SHOWN)
      replace(body, shown.map(row))
      count.textContent = `${shown.length} shown of ${entries.length}`
      scroller.scrollTop = scroller.scrollHeight
    }
    function add (entry) {
      entries.push(entry)
      if (entries.length > KEEP) entries = entries.slice(-KEEP)
      if (!matches(entry)) { count.textContent = `${body.children.length} shown of ${entries.length}`; return }
      const stick = atBottom()
      const fresh = row(entry)
      fresh.classList.add('fresh') // arrived live: shown briefly highlighted
      body.append(fresh)
      while (body.children.length > SHOWN) body.firstChild.remove()
      count.textContent = `${body.children.length} shown of ${entries.length}`
      if (stick) scroller.scrollTop = scroller.scrollHeight
    }
    const rerender = debounce(render, 120)
    for (const el of [level, step]) el.addEventListener('change', render)
    for (const el of [trace, search]) el.addEventListener('input', rerender)
    pause.addEventListener('click', () => {
      paused = !paused
      pause.textContent = paused ? `Resume` : 'Pause'
      pause.setAttribute('aria-pressed', String(paused))
      if (!paused) { held.forEach(add); held = [] }
    })
    clearButton.addEventListener('click', () => { entries = []; held = []; render() })
    const offLog = ctx.live.on('log', ({ entry }) => {
      if (paused) { held.push(entry); pause.textContent = `Resume (${held.length})`; return }
      add(entry)
    })
    const offDropped = ctx.live.on('dropped', ({ count: n }) => add({ time: Date.now() / 1000, level: 'warn', msg: `${n} live entries were dropped: this page read too slowly`, source: 'workbench' }))
    render()
    return {
      update (next, nextQuery) {
        if (nextQuery.get('trace') !== null) trace.value = nextQuery.get('trace')
        if (nextQuery.get('step') !== null) step.value = nextQuery.get('step')
        render()
      },
      cleanup () { offLog(); offDropped(); rerender.cancel() }
    }
  }
}

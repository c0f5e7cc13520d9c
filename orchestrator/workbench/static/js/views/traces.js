// Traces: recent traces, and each one as a timeline of its spans with errors and logs.

import { api, enc } from '../api.js'
import { h, replace, empty, errorBox, statusChip, languageBadge, stepLanguage, fmtDuration, fmtClock, fmtRelative, throttle } from '../dom.js'
import { compact } from '../json.js'

// Spans name the runner (node, python, ruby); the step's file tells TypeScript from JavaScript.
let languageOf = {}

function spanLanguage (span) {
  return languageOf[span.step] || span.language
}

function traceStatus (trace, count) {
  // A request refused before any step ran (a 400, a 404) has no span to be "ok" or not.
  return count === 0 && trace.durationMs === null ? h('span', { class: 'status status-none' }, 'no step') : statusChip(trace.status)
}

function traceRow (trace, selected) {
  const count = trace.spans ? trace.spans.length : trace.spanCount
  return h('a', {
    href: `#/traces/${trace.traceId}`,
    class: ['trace-row', trace.traceId === selected ? 'active' : ''],
    dataset: { traceId: trace.traceId, status: trace.status }
  },
  h('div', { class: 'row' }, h('span', { class: `trigger trigger-${trace.trigger.type}` }, trace.trigger.type), h('span', { class: 'detail' }, trace.trigger.detail)),
  h('div', { class: 'row muted' }, traceStatus(trace, count), h('span', null, count ? fmtDuration(trace.durationMs) : ''),
    h('span', null, `${count} span${count === 1 ? '' : 's'}`), h('span', { class: 'when', title: new Date(trace.start * 1000).toLocaleString() }, fmtRelative(trace.start))))
}

function timeline (trace) {
  const t0 = trace.start
  const ends = trace.spans.map(s => s.start + (s.durationMs ?? (Date.now() / 1000 - s.start) * 1000) / 1000)
  const total = Math.max(0.001, Math.max(t0, ...ends) - t0)
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => h('span', { class: 'tick', style: { left: `${f * 100}%` } }, fmtDuration(f * total * 1000)))
  const rows = trace.spans.map((span, index) => {
    const left = ((span.start - t0) / total) * 100
    const duration = span.durationMs ?? (Date.now() / 1000 - span.start) * 1000
    const width = Math.max(0.6, (duration / 1000 / total) * 100)
    const bar = h('div', {
      class: ['bar', `status-${span.status}`, left + width > 78 ? 'label-left' : ''],
      style: { left: `${Math.min(99.4, left)}%`, width: `${Math.min(width, 100 - Math.min(99.4, left))}%` },
      title: `${span.step}: ${fmtDuration(span.durationMs)}`
    }, h('span', null, fmtDuration(span.durationMs)))
    return h('div', { class: 'span-row', dataset: { step: span.step, status: span.status, language: span.language, index: String(index) } },
      h('div', { class: 'span-label' },
        languageBadge(spanLanguage(span)),
        h('strong', null, span.step),
        h('span', { class: 'muted' }, span.kind),
        span.attempt > 1 ? h('span', { class: 'tag warn' }, `attempt ${span.attempt}`) : null),
      h('div', { class: 'span-track' }, bar),
      span.emitted && span.emitted.length
        ? h('div', { class: 'span-emits' }, '→ ', span.emitted.map(t => h('code', null, t)))
        : null,
      span.error
        ? h('div', { class: 'span-error' },
          h('strong', null, `${span.error.name}: `), span.error.message,
          span.error.stack ? h('details', null, h('summary', null, 'stack'), h('pre', null, span.error.stack)) : null)
        : null)
  })
  return h('div', { class: 'timeline' }, h('div', { class: 'axis' }, h('div', { class: 'span-label' }), h('div', { class: 'ticks' }, ticks)), rows)
}

function logTable (entries) {
  if (!entries.length) return empty('No log lines in this trace.')
  return h('table', { class: 'logs compact' }, h('tbody', null, entries.map(e => h('tr', { class: `row-${e.level}` },
    h('td', { class: 'time' }, fmtClock(e.time)),
    h('td', null, h('span', { class: `level level-${e.level}` }, e.level)),
    h('td', { class: 'step' }, e.step || e.source || ''),
    h('td', { class: 'msg' }, e.msg, e.fields && e.source !== 'tracing' ? h('span', { class: 'fields' }, ' ', compact(e.fields)) : null)))))
}

export default {
  async mount (container, params, query, ctx) {
    const filter = h('input', { type: 'search', placeholder: 'Filter by step, trigger, status or id', 'aria-label': 'filter traces' })
    const list = h('nav', { class: 'list traces-list', 'aria-label': 'Recent traces' })
    const main = h('div', { class: 'panel trace-panel' })
    const refreshButton = h('button', { type: 'button', class: 'small', onclick: () => refresh() }, 'Refresh')
    container.append(h('header', { class: 'view-head' }, h('h1', null, 'Traces'), filter, refreshButton),
      h('div', { class: 'columns' }, list, main))
    let traces = []
    const steps = await api('/steps')
    languageOf = Object.fromEntries(steps.map(st => [st.name, stepLanguage({ languageName: null, file: st.path, language: st.language })]))
    let selected = params[0] || null

    function renderList () {
      const needle = filter.value.trim().toLowerCase()
      const shown = traces.filter(t => !needle || [t.traceId, t.status, t.trigger.type, t.trigger.detail, ...t.spans.map(s => s.step)].join(' ').toLowerCase().includes(needle))
      replace(list, shown.length ? shown.map(t => traceRow(t, selected)) : empty('No traces yet: call an endpoint or emit an event.'))
    }
    async function loadList () {
      traces = await api('/traces?limit=200')
      renderList()
    }
    async function showTrace (id) {
      selected = id
      for (const row of list.children) row.classList.toggle('active', row.dataset.traceId === id)
      if (!id) { replace(main, empty('Pick a trace to see its spans across steps and languages.')); return }
      let trace
      try {
        trace = await api(`/traces/${enc(id)}`)
      } catch (error) {
        replace(main, errorBox(error))
        return
      }
      const entries = await api(`/logs?traceId=${enc(id)}`)
      if (selected !== id) return
      const languages = [...new Set(trace.spans.map(spanLanguage))]
      replace(main,
        h('div', { class: 'trace-head', dataset: { traceId: trace.traceId } },
          h('h2', null, h('span', { class: `trigger trigger-${trace.trigger.type}` }, trace.trigger.type), ' ', trace.trigger.detail),
          h('div', { class: 'badges' }, traceStatus(trace, trace.spans.length), h('span', null, fmtDuration(trace.durationMs)),
            h('span', { class: 'muted' }, `${trace.spans.length} spans · ${languages.length} language${languages.length === 1 ? '' : 's'}`),
            h('code', { class: 'muted' }, trace.traceId),
            h('a', { class: 'button small ghost', href: `#/logs?trace=${enc(trace.traceId)}` }, 'In logs'))),
        trace.spans.length ? timeline(trace) : empty('No step ran in this trace.'),
        h('section', { class: 'detail-section' }, h('h3', null, `Logs (${entries.length})`), logTable(entries)))
    }

    filter.addEventListener('input', renderList)
    const refresh = throttle(async () => {
      await loadList()
      if (selected) await showTrace(selected)
    }, 400)
    const offSpan = ctx.live.on('span', refresh)
    const offTrace = ctx.live.on('trace', refresh)
    await loadList()
    // With no trace in the address, the newest one is shown (without changing the address).
    await showTrace(selected || (traces[0] && traces[0].traceId) || null)
    const timer = setInterval(() => { for (const el of list.querySelectorAll('.when')) el.textContent = fmtRelative(traces.find(t => t.traceId === el.closest('a').dataset.traceId)?.start) }, 5000)
    return {
      update (next) { if ((next[0] || null) !== selected) showTrace(next[0] || null) },
      cleanup () { offSpan(); offTrace(); refresh.cancel(); clearInterval(timer) }
    }
  }
}

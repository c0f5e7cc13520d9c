// Queues (kind, limits, counts), dead letters (list, inspect, replay, purge) and cron
// steps (next run, run now).

import { api, enc } from '../api.js'
import { h, replace, empty, errorBox, languageBadge, statusChip, fmtDate, fmtRelative, shortId } from '../dom.js'
import { jsonView } from '../json.js'
import { queuePanel } from './queues.js'

function lastError (letter) {
  const e = letter.errors[letter.errors.length - 1]
  return e ? `${e.name}: ${e.message}` : ''
}

function letterDetail (letter) {
  return h('div', { class: 'detail', dataset: { id: letter.id } },
    h('h2', null, h('code', null, letter.event.topic), ' → ', letter.step),
    h('dl', { class: 'facts' },
      h('dt', null, 'Attempts'), h('dd', null, String(letter.attempts)),
      h('dt', null, 'Event'), h('dd', null, h('code', null, letter.event.id)),
      h('dt', null, 'Trace'), h('dd', null, h('a', { href: `#/traces/${letter.event.traceId}` }, letter.event.traceId)),
      h('dt', null, 'Emitted by'), h('dd', null, letter.event.source || 'outside (API, CLI or workbench)'),
      h('dt', null, 'Created'), h('dd', null, fmtDate(letter.event.created))),
    h('h4', null, 'Data'), jsonView(letter.event.data),
    h('h4', null, `Errors (${letter.errors.length})`),
    h('ol', { class: 'errors' }, letter.errors.map(e => h('li', null,
      h('strong', null, `${e.name}: `), e.message, h('span', { class: 'muted' }, ` (attempt ${e.attempt ?? '?'}${e.time ? `, ${fmtDate(e.time)}` : ''})`),
      e.stack ? h('details', null, h('summary', null, 'stack'), h('pre', null, e.stack)) : null))))
}

export default {
  async mount (container, params, query, ctx) {
    const dlqBody = h('tbody')
    const dlqDetail = h('div', { class: 'panel letter-detail' }, empty('Click a dead letter to inspect it.'))
    const message = h('div', { class: 'message', 'aria-live': 'polite' })
    const selectAll = h('input', { type: 'checkbox', 'aria-label': 'select every dead letter' })
    const replaySelected = h('button', { type: 'button', class: 'small primary', name: 'replay' }, 'Replay selected')
    const purgeSelected = h('button', { type: 'button', class: 'small danger', name: 'purge' }, 'Purge selected')
    const replayAll = h('button', { type: 'button', class: 'small', name: 'replay-all' }, 'Replay all')
    const purgeAll = h('button', { type: 'button', class: 'small danger ghost', name: 'purge-all' }, 'Purge all')
    const cronBody = h('tbody')
    const queues = queuePanel()
    container.append(
      h('header', { class: 'view-head' }, h('h1', null, 'Dead letters & cron')),
      queues.element,
      h('section', { class: 'card' },
        h('div', { class: 'row spread' }, h('h2', null, 'Dead letters'), h('div', { class: 'row' }, replaySelected, purgeSelected, replayAll, purgeAll)),
        message,
        h('div', { class: 'split' },
          h('div', { class: 'table-wrap' }, h('table', { class: 'grid dlq' },
            h('thead', null, h('tr', null, h('th', null, selectAll), ['topic', 'step', 'attempts', 'last error', 'created', 'trace'].map(c => h('th', null, c)))),
            dlqBody)),
          dlqDetail)),
      h('section', { class: 'card' },
        h('h2', null, 'Cron steps'),
        h('table', { class: 'grid cron' },
          h('thead', null, h('tr', null, ['step', 'schedule', 'next run', 'last run', ''].map(c => h('th', null, c)))),
          cronBody)))

    let letters = []
    let crons = []
    const selected = new Set()
    let shown = null

    let signature = null
    async function loadLetters (force = false) {
      const fresh = await api('/dlq')
      const next = fresh.map(l => `${l.id}:${l.attempts}`).join(',')
      if (!force && next === signature) return
      signature = next
      letters = fresh
      for (const id of [...selected]) if (!letters.some(l => l.id === id)) selected.delete(id)
      replace(dlqBody, letters.length
        ? letters.map(letter => {
          const box = h('input', { type: 'checkbox', checked: selected.has(letter.id), 'aria-label': `select ${letter.id}` })
          box.addEventListener('click', event => event.stopPropagation())
          box.addEventListener('change', () => { box.checked ? selected.add(letter.id) : selected.delete(letter.id); buttons() })
          const tr = h('tr', { class: letter.id === shown ? 'active' : '', dataset: { id: letter.id, topic: letter.event.topic, step: letter.step } },
            h('td', null, box),
            h('td', null, h('code', null, letter.event.topic)),
            h('td', null, letter.step),
            h('td', null, String(letter.attempts)),
            h('td', { class: 'error-text clip', title: lastError(letter) }, lastError(letter)),
            h('td', { class: 'muted', title: fmtDate(letter.event.created) }, fmtRelative(letter.event.created)),
            h('td', null, h('a', { href: `#/traces/${letter.event.traceId}`, class: 'mono' }, shortId(letter.event.traceId))))
          tr.addEventListener('click', () => {
            shown = letter.id
            for (const row of dlqBody.children) row.classList.toggle('active', row.dataset.id === shown)
            replace(dlqDetail, letterDetail(letter))
          })
          return tr
        })
        : h('tr', null, h('td', { colspan: 7, class: 'empty' }, 'No dead letters.')))
      if (shown && !letters.some(l => l.id === shown)) { shown = null; replace(dlqDetail, empty('Click a dead letter to inspect it.')) }
      buttons()
    }
    function buttons () {
      replaySelected.disabled = purgeSelected.disabled = selected.size === 0
      replayAll.disabled = purgeAll.disabled = letters.length === 0
      selectAll.checked = letters.length > 0 && selected.size === letters.length
    }
    selectAll.addEventListener('change', () => {
      selected.clear()
      if (selectAll.checked) for (const l of letters) selected.add(l.id)
      for (const box of dlqBody.querySelectorAll('input[type=checkbox]')) box.checked = selectAll.checked
      buttons()
    })
    async function act (path, body, describe) {
      try {
        const result = await api(path, { method: 'POST', body })
        replace(message, h('div', { class: 'ok-box' }, describe(result)))
        selected.clear()
        await loadLetters(true)
      } catch (error) {
        replace(message, errorBox(error))
      }
    }
    function confirmTwice (button, label, action) {
      let armed = false
      button.addEventListener('click', () => {
        if (!armed) {
          armed = true
          button.textContent = 'Click again to confirm'
          setTimeout(() => { armed = false; button.textContent = label }, 4000)
          return
        }
        armed = false
        button.textContent = label
        action()
      })
    }
    replaySelected.addEventListener('click', () => act('/dlq/replay', { ids: [...selected] }, r => `Replayed ${r.replayed.length} dead letter(s).`))
    replayAll.addEventListener('click', () => act('/dlq/replay', { all: true }, r => `Replayed ${r.replayed.length} dead letter(s).`))
    confirmTwice(purgeSelected, 'Purge selected', () => act('/dlq/purge', { ids: [...selected] }, r => `Purged ${r.purged} dead letter(s).`))
    confirmTwice(purgeAll, 'Purge all', () => act('/dlq/purge', { all: true }, r => `Purged ${r.purged} dead letter(s).`))

    async function loadCron () {
      crons = await api('/cron')
      replace(cronBody, crons.length
        ? crons.map(step => {
          const out = h('span', { class: 'run-result' })
          const run = h('button', { type: 'button', class: 'small primary', name: 'run-now' }, 'Run now')
          run.addEventListener('click', async () => {
            run.disabled = true
            try {
              const result = await api(`/cron/${enc(step.name)}/run`, { method: 'POST' })
              replace(out, 'started · ', h('a', { href: `#/traces/${result.traceId}`, dataset: { traceId: result.traceId } }, `trace ${shortId(result.traceId)}`))
              setTimeout(loadCron, 800)
            } catch (error) {
              replace(out, errorBox(error))
            } finally {
              run.disabled = false
            }
          })
          const last = step.lastRun
          return h('tr', { dataset: { step: step.name } },
            h('td', null, languageBadge(step.languageName), ' ', h('strong', null, step.name), step.description ? h('div', { class: 'muted' }, step.description) : null),
            h('td', null, h('code', null, step.cron)),
            h('td', null, step.nextRunAt
              ? [h('span', { class: 'countdown', dataset: { at: String(step.nextRunAt) } }, fmtRelative(step.nextRunAt)), h('div', { class: 'muted' }, fmtDate(step.nextRunAt))]
              : h('span', { class: 'error-text' }, step.error || '—')),
            h('td', null, last ? [statusChip(last.status), ' ', h('a', { href: `#/traces/${last.traceId}` }, fmtRelative(last.start))] : h('span', { class: 'muted' }, 'not since start')),
            h('td', null, run, ' ', out))
        })
        : h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'No cron steps.')))
    }

    await Promise.all([loadLetters(true), loadCron(), queues.load()])
    // Dead letters appear after the last retry, queue counts change all the time: a
    // short poll keeps both current.
    const poll = setInterval(() => {
      loadLetters().catch(() => {})
      queues.load().catch(() => {})
    }, 2000)
    const tick = setInterval(() => {
      for (const el of cronBody.querySelectorAll('.countdown')) {
        const at = Number(el.dataset.at)
        if (at < Date.now() / 1000) { loadCron(); return }
        el.textContent = fmtRelative(at)
      }
    }, 1000)
    return { cleanup () { clearInterval(poll); clearInterval(tick) } }
  }
}

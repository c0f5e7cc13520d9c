// The queue panel of the dead-letters view: per event step, its queue kind and limits
// (docs/reference.md §12) and how many deliveries are in flight, waiting and delayed.

import { api } from '../api.js'
import { h, replace, languageBadge, fmtDate, fmtRelative } from '../dom.js'

/** The options that differ from a plain queue, as short phrases. */
function limits (o) {
  const out = [`concurrency ${o.concurrency}${o.concurrencyKey ? ` per ${o.concurrencyKey}` : ''}`]
  if (o.rateLimit) out.push(`${o.rateLimit.limit} per ${o.rateLimit.periodSeconds} s${o.rateLimit.key ? ` per ${o.rateLimit.key}` : ''}`)
  if (o.debounce) out.push(`debounce ${o.debounce.periodSeconds} s${o.debounce.key ? ` per ${o.debounce.key}` : ''}`)
  if (o.delaySeconds) out.push(`delay ${o.delaySeconds} s`)
  if (o.messageGroupField) out.push(`group by ${o.messageGroupField}`)
  if (o.visibilityTimeout) out.push(`visibility ${o.visibilityTimeout} s`)
  out.push(`${o.maxRetries} retries, ${o.backoff.type} ${o.backoff.delayMs} ms`)
  return out.join(' · ')
}

function row (q) {
  return h('tr', { dataset: { step: q.step } },
    h('td', null, languageBadge(q.languageName), ' ', h('strong', null, q.step),
      h('div', { class: 'muted' }, q.subscribes.map(t => h('code', null, t, ' ')))),
    h('td', null, h('span', { class: `chip${q.options.type === 'fifo' ? ' active' : ''}` }, q.options.type)),
    h('td', { class: 'muted' }, limits(q.options)),
    h('td', { class: 'mono', dataset: { count: 'inFlight' } }, String(q.inFlight)),
    h('td', { class: 'mono', dataset: { count: 'waiting' } }, String(q.waiting)),
    h('td', { class: 'mono', dataset: { count: 'delayed' } }, String(q.delayed),
      q.nextDelayedAt ? h('div', { class: 'muted', title: fmtDate(q.nextDelayedAt) }, `next ${fmtRelative(q.nextDelayedAt)}`) : null))
}

/** The panel, and `load()` to refresh it (the view polls). */
export function queuePanel () {
  const body = h('tbody')
  const element = h('section', { class: 'card' },
    h('h2', null, 'Queues'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid queues' },
      h('thead', null, h('tr', null, ['step', 'kind', 'limits', 'in flight', 'waiting', 'delayed'].map(c => h('th', null, c)))),
      body)))
  async function load () {
    const queues = await api('/queues')
    replace(body, queues.length
      ? queues.map(row)
      : h('tr', null, h('td', { colspan: 6, class: 'empty' }, 'No event steps.')))
  }
  return { element, load }
}

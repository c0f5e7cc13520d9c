// Emit: send an event on any topic; the JSON is checked against the input schema of
// every subscriber as you type (by the server, with the validator the bus uses).

import { api, enc } from '../api.js'
import { h, replace, empty, errorBox, languageBadge, debounce } from '../dom.js'
import { jsonEditor, jsonView } from '../json.js'
import { sampleFor } from '../schema-form.js'

export default {
  async mount (container, params, query, ctx) {
    const topics = await api('/topics')
    const topicInput = h('input', { type: 'text', name: 'topic', list: 'emit-topics', placeholder: 'topic', autocomplete: 'off', 'aria-label': 'topic' })
    const datalist = h('datalist', { id: 'emit-topics' }, topics.map(t => h('option', { value: t.topic })))
    const subscribersEl = h('div', { class: 'subscribers' })
    const editor = jsonEditor({ value: {}, rows: 14, label: 'event data' })
    const checkEl = h('div', { class: 'check', 'aria-live': 'polite' })
    const resultEl = h('div', { class: 'result', 'aria-live': 'polite' })
    const send = h('button', { type: 'submit', class: 'primary', name: 'send', disabled: true }, 'Emit')
    const sample = h('button', { type: 'button', class: 'small ghost' }, 'Sample from schema')
    const form = h('form', { class: 'emit-form' },
      h('div', { class: 'field' }, h('label', null, 'Topic'), topicInput, datalist),
      h('div', { class: 'row spread' }, h('h3', null, 'Data'), sample),
      editor.element,
      checkEl,
      h('div', { class: 'actions' }, send))
    container.append(h('header', { class: 'view-head' }, h('h1', null, 'Emit')),
      h('div', { class: 'split-even' }, h('section', { class: 'card' }, form, resultEl), h('section', { class: 'card' }, h('h2', null, 'Subscribers'), subscribersEl)))

    let checked = { valid: false }
    let seq = 0
    const topicInfo = () => topics.find(t => t.topic === topicInput.value.trim())

    function showSubscribers () {
      const info = topicInfo()
      if (!topicInput.value.trim()) { replace(subscribersEl, empty('Pick a topic.')); return }
      if (!info || !info.subscribers.length) {
        replace(subscribersEl, empty('No step subscribes to this topic: the event would be accepted and reach nobody.'))
        return
      }
      replace(subscribersEl, info.subscribers.map(s => h('div', { class: 'subscriber', dataset: { step: s.step } },
        h('h3', null, languageBadge(s.language), ' ', s.step),
        s.input ? jsonView(s.input) : h('p', { class: 'muted' }, 'No input schema: any data is accepted.'))))
    }
    function fillSample () {
      const info = topicInfo()
      const schema = info && info.subscribers.find(s => s.input)
      editor.setValue(schema ? sampleFor(schema.input) : {})
      check()
    }
    const check = debounce(async () => {
      const topic = topicInput.value.trim()
      const parsed = editor.parse()
      send.disabled = true
      if (!topic) { replace(checkEl, h('span', { class: 'muted' }, 'Pick a topic.')); return }
      if (!parsed.ok) { replace(checkEl, h('span', { class: 'error-text' }, `Not valid JSON: ${parsed.error}`)); return }
      const mine = ++seq
      try {
        checked = await api('/emit/check', { method: 'POST', body: { topic, data: parsed.value } })
      } catch (error) {
        replace(checkEl, errorBox(error))
        return
      }
      if (mine !== seq) return
      const problems = checked.subscribers.filter(s => s.errors.length)
      if (!checked.subscribers.length) {
        replace(checkEl, h('span', { class: 'warn-text', dataset: { valid: 'true' } }, 'No subscriber: valid, but nobody receives it.'))
      } else if (!problems.length) {
        replace(checkEl, h('span', { class: 'ok-text', dataset: { valid: 'true' } }, `Valid for ${checked.subscribers.map(s => s.step).join(', ')}.`))
      } else {
        replace(checkEl, h('div', { class: 'error-box', dataset: { valid: 'false' } }, problems.map(s => h('div', null,
          h('strong', null, `${s.step} would refuse it:`),
          h('ul', null, s.errors.map(e => h('li', null, h('code', null, e.path || '(data)'), ' ', e.message)))))))
      }
      send.disabled = problems.length > 0
    }, 200)

    topicInput.addEventListener('input', () => { showSubscribers(); check() })
    topicInput.addEventListener('change', () => { showSubscribers(); fillSample() })
    editor.textarea.addEventListener('input', check)
    sample.addEventListener('click', fillSample)
    form.addEventListener('submit', async event => {
      event.preventDefault()
      const parsed = editor.parse()
      if (!parsed.ok) return
      send.disabled = true
      try {
        const result = await api('/emit', { method: 'POST', body: { topic: topicInput.value.trim(), data: parsed.value } })
        replace(resultEl, h('div', { class: 'ok-box', dataset: { traceId: result.traceId } },
          `Emitted to ${result.subscribers.length ? result.subscribers.join(', ') : 'no subscriber'}. `,
          h('a', { href: `#/traces/${enc(result.traceId)}` }, 'Open the trace')))
      } catch (error) {
        replace(resultEl, errorBox(error))
      } finally {
        send.disabled = false
      }
    })

    function setTopic (topic) {
      topicInput.value = topic || ''
      showSubscribers()
      fillSample()
    }
    setTopic(query.get('topic') || (topics.find(t => t.subscribers.length) || {}).topic)
    return {
      update (next, nextQuery) { if (nextQuery.get('topic')) setTopic(nextQuery.get('topic')) },
      cleanup () { check.cancel() }
    }
  }
}

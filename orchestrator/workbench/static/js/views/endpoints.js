// Endpoints: every API step; a form from its bodySchema, path and query parameters;
// send the request and see status, headers, body and the trace it started.

import { api } from '../api.js'
import { h, replace, empty, methodBadge, languageBadge, stepLanguage, fmtDuration, middlewareList } from '../dom.js'
import { jsonView, jsonEditor } from '../json.js'
import { formable, sampleFor, schemaForm } from '../schema-form.js'

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS'])

function pathParams (path) {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map(m => m[1])
}

function relative (path, root) {
  return path.startsWith(root + '/') ? path.slice(root.length + 1) : path
}

function statusClass (status) {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'ok'
}

function responseView (result) {
  const { response, body, text, elapsed, url, method } = result
  const traceId = response.headers.get('x-trace-id')
  const headers = [...response.headers.entries()].sort(([a], [b]) => a.localeCompare(b))
  return h('div', { class: 'response', dataset: { status: String(response.status) } },
    h('div', { class: 'response-line' },
      h('span', { class: `status-code status-${statusClass(response.status)}` }, `${response.status} ${response.statusText}`),
      h('span', { class: 'muted' }, `${method} ${url} · ${fmtDuration(elapsed)}`),
      traceId ? h('a', { class: 'button small', href: `#/traces/${traceId}`, dataset: { traceId } }, 'Open trace') : null),
    h('details', { class: 'headers', open: true }, h('summary', null, `Headers (${headers.length})`),
      h('table', { class: 'kv' }, h('tbody', null, headers.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v)))))),
    h('div', { class: 'response-body' }, h('h3', null, 'Body'), body !== undefined ? jsonView(body) : h('pre', { class: 'json' }, text || '(empty)')))
}

function requestPanel (step, out) {
  const config = step.config
  const method = String(config.method || 'GET').toUpperCase()
  const path = config.path
  const schema = config.bodySchema
  const inputs = {}
  const paramFields = pathParams(path).map(name => {
    const input = h('input', { type: 'text', name, placeholder: name, autocomplete: 'off', 'aria-label': `path parameter ${name}` })
    inputs[name] = input
    return h('div', { class: 'field' }, h('label', null, `:${name}`, h('span', { class: 'required' }, '*')), input, h('span', { class: 'hint' }, 'path'))
  })
  const queryInputs = {}
  const queryFields = (config.queryParams || []).map(q => {
    const input = h('input', { type: 'text', name: q.name, autocomplete: 'off', 'aria-label': `query parameter ${q.name}` })
    queryInputs[q.name] = input
    return h('div', { class: 'field' }, h('label', null, q.name), input, h('span', { class: 'hint' }, q.description || 'query'))
  })
  const extraQuery = h('input', { type: 'text', placeholder: 'a=1&b=2', autocomplete: 'off', 'aria-label': 'extra query string' })
  const headersArea = h('textarea', { class: 'code', rows: 2, spellcheck: 'false', placeholder: 'x-request-id: 123', 'aria-label': 'request headers' })

  const hasBody = !BODYLESS.has(method) || Boolean(schema)
  const editor = jsonEditor({ value: schema ? sampleFor(schema) : {}, rows: 10, label: 'request body' })
  const form = schema && formable(schema) ? schemaForm(schema) : null
  let mode = form ? 'form' : 'json'
  if (form) form.setValue(sampleFor(schema))
  const bodyHolder = h('div', { class: 'body-holder' })
  const modeTabs = h('div', { class: 'tabs small' })
  function setMode (next) {
    if (next === mode && bodyHolder.firstChild) return
    if (form && next === 'json') editor.setValue(form.getValue())
    if (form && next === 'form') {
      const parsed = editor.parse()
      if (parsed.ok) form.setValue(parsed.value)
    }
    mode = next
    replace(bodyHolder, mode === 'form' ? form.element : editor.element)
    for (const tab of modeTabs.children) tab.classList.toggle('active', tab.dataset.mode === mode)
  }
  if (form) {
    modeTabs.append(
      h('button', { type: 'button', class: 'tab', dataset: { mode: 'form' }, onclick: () => setMode('form') }, 'Form'),
      h('button', { type: 'button', class: 'tab', dataset: { mode: 'json' }, onclick: () => setMode('json') }, 'JSON'))
  }
  setMode(mode)
  const sample = h('button', {
    type: 'button',
    class: 'small ghost',
    onclick: () => {
      const value = sampleFor(schema || {})
      editor.setValue(value)
      if (form) form.setValue(value)
    }
  }, 'Sample')

  const send = h('button', { type: 'submit', class: 'primary', name: 'send' }, 'Send request')
  const formEl = h('form', { class: 'request', 'aria-label': `request to ${step.name}` },
    paramFields.length ? h('fieldset', null, h('legend', null, 'Path parameters'), paramFields) : null,
    h('fieldset', null, h('legend', null, 'Query'), queryFields, h('div', { class: 'field' }, h('label', null, 'more'), extraQuery, h('span', { class: 'hint' }, 'raw query string'))),
    h('fieldset', null, h('legend', null, 'Headers'), headersArea),
    hasBody ? h('fieldset', { class: 'body-fieldset' }, h('legend', null, 'Body', schema ? h('span', { class: 'muted' }, ' from bodySchema') : null), h('div', { class: 'row' }, modeTabs, sample), bodyHolder) : null,
    h('div', { class: 'actions' }, send))

  formEl.addEventListener('submit', async event => {
    event.preventDefault()
    const missing = Object.entries(inputs).filter(([, i]) => !i.value).map(([n]) => n)
    if (missing.length) {
      replace(out, h('div', { class: 'error-box' }, `Fill in the path parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`))
      return
    }
    const url = path.replace(/:([A-Za-z0-9_]+)/g, (_, name) => encodeURIComponent(inputs[name].value))
    const query = new URLSearchParams(extraQuery.value.replace(/^\?/, ''))
    for (const [name, input] of Object.entries(queryInputs)) if (input.value) query.set(name, input.value)
    const headers = {}
    for (const line of headersArea.value.split('\n')) {
      const at = line.indexOf(':')
      if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim()
    }
    let payload
    if (hasBody && !BODYLESS.has(method)) {
      let body
      if (mode === 'form') body = form.getValue()
      else {
        const parsed = editor.parse()
        if (!parsed.ok) {
          replace(out, h('div', { class: 'error-box' }, `The body is not valid JSON: ${parsed.error}`))
          return
        }
        body = parsed.value
      }
      payload = JSON.stringify(body)
      headers['content-type'] = headers['content-type'] || 'application/json'
    }
    const target = query.toString() ? `${url}?${query}` : url
    send.disabled = true
    replace(out, h('div', { class: 'muted' }, 'Sending…'))
    const began = performance.now()
    try {
      const response = await fetch(target, { method, headers, body: payload })
      const text = await response.text()
      let body
      try { body = text ? JSON.parse(text) : undefined } catch { body = undefined }
      replace(out, responseView({ response, body, text, elapsed: performance.now() - began, url: target, method }))
    } catch (error) {
      replace(out, h('div', { class: 'error-box' }, `The request failed: ${error.message}`))
    } finally {
      send.disabled = false
    }
  })
  return formEl
}

export default {
  async mount (container, params, query, ctx) {
    const steps = (await api('/steps')).filter(s => s.type === 'api')
      .sort((a, b) => String(a.config.path).localeCompare(String(b.config.path)) || String(a.config.method).localeCompare(String(b.config.method)))
    const list = h('nav', { class: 'list', 'aria-label': 'API steps' })
    const main = h('div', { class: 'panel' })
    container.append(h('header', { class: 'view-head' }, h('h1', null, 'Endpoints'), h('span', { class: 'muted' }, `${steps.length} API steps`)),
      h('div', { class: 'columns' }, list, main))
    let current = null

    function show (name) {
      const step = steps.find(s => s.name === name) || steps[0]
      if (!step) { replace(main, empty('No API steps in this project.')); return }
      current = step.name
      for (const a of list.children) a.classList.toggle('active', a.dataset.step === current)
      const out = h('div', { class: 'response-holder', 'aria-live': 'polite' }, empty('Send the request to see the response here.'))
      const config = step.config
      replace(main,
        h('div', { class: 'endpoint-head' },
          h('h2', null, methodBadge(String(config.method).toUpperCase()), ' ', h('code', null, config.path)),
          h('div', { class: 'badges' }, h('strong', null, step.name), languageBadge(stepLanguage({ languageName: null, file: step.path, language: step.language })),
            h('code', { class: 'file-path muted', title: step.path }, relative(step.path, ctx.info.root)))),
        config.description ? h('p', { class: 'description' }, config.description) : null,
        config.middleware?.length
          ? h('p', { class: 'middleware muted' }, 'Middleware, before the handler: ', middlewareList(config.middleware))
          : null,
        h('div', { class: 'split-even' }, requestPanel(step, out), out))
    }

    replace(list, steps.map(s => h('a', { href: `#/endpoints/${encodeURIComponent(s.name)}`, dataset: { step: s.name } },
      methodBadge(String(s.config.method).toUpperCase()), h('span', { class: 'path' }, s.config.path), h('span', { class: 'muted name' }, s.name))))
    show(params[0])
    return { update (next) { if (next[0] !== current) show(next[0]) } }
  }
}

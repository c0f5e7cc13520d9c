// Small DOM helpers. Text always goes in as text nodes, never as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg'

function apply (el, attrs) {
  if (!attrs) return el
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value)
    else if (key === 'text') el.textContent = String(value)
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value)
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value)
    else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'selected') el[key] = value
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  return el
}

function append (el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return el
}

export function h (tag, attrs, ...children) {
  return append(apply(document.createElement(tag), attrs), children)
}

export function svg (tag, attrs, ...children) {
  return append(apply(document.createElementNS(SVG_NS, tag), attrs), children)
}

/** `el.append` that skips null, undefined and false (conditional children). */
export function add (el, ...children) {
  return append(el, children)
}

export function clear (el) {
  while (el.firstChild) el.firstChild.remove()
  return el
}

export function replace (el, ...children) {
  clear(el)
  return append(el, children)
}

export const LANGUAGES = {
  TypeScript: { short: 'TS', cls: 'ts' },
  JavaScript: { short: 'JS', cls: 'js' },
  Python: { short: 'PY', cls: 'py' },
  Ruby: { short: 'RB', cls: 'rb' },
  node: { short: 'JS', cls: 'js' },
  python: { short: 'PY', cls: 'py' },
  ruby: { short: 'RB', cls: 'rb' }
}

export function languageBadge (language, title) {
  const info = LANGUAGES[language] || { short: String(language || '?').slice(0, 2).toUpperCase(), cls: 'other' }
  return h('span', { class: `lang lang-${info.cls}`, title: title || language }, info.short)
}

/** A step's language by its summary: TypeScript and JavaScript share the node runner. */
export function stepLanguage (step) {
  if (step.languageName) return step.languageName
  if (step.language === 'node') return step.file && /\.m?ts$/.test(step.file) ? 'TypeScript' : 'JavaScript'
  return { python: 'Python', ruby: 'Ruby' }[step.language] || step.language
}

export function typeBadge (type) {
  return h('span', { class: `type type-${type}` }, type)
}

export function statusChip (status) {
  return h('span', { class: `status status-${status}` }, status)
}

export function methodBadge (method) {
  return h('span', { class: `method method-${String(method).toLowerCase()}` }, method)
}

/** An API step's middleware names, outermost first (each runs before the handler). */
export function middlewareList (names) {
  return names.map((name, i) => [i ? ' → ' : null, h('code', null, name)])
}

export function fmtClock (seconds) {
  if (!seconds) return ''
  const d = new Date(seconds * 1000)
  const pad = (n, w = 2) => String(n).padStart(w, '0')
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
}

export function fmtDate (seconds) {
  if (!seconds) return ''
  return new Date(seconds * 1000).toLocaleString()
}

export function fmtDuration (ms) {
  if (ms === null || ms === undefined) return '…'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
  if (ms < 60000) return `${(ms / 1000).toFixed(2)} s`
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`
}

export function fmtRelative (seconds) {
  if (!seconds) return ''
  const delta = seconds - Date.now() / 1000
  const abs = Math.abs(delta)
  let text
  if (abs < 1) return 'now'
  if (abs < 60) text = `${Math.round(abs)} s`
  else if (abs < 3600) text = `${Math.floor(abs / 60)} min ${Math.round(abs % 60)} s`
  else if (abs < 86400) text = `${Math.floor(abs / 3600)} h ${Math.round((abs % 3600) / 60)} min`
  else text = `${Math.round(abs / 86400)} d`
  return delta > 0 ? `in ${text}` : `${text} ago`
}

export function shortId (id) {
  return id ? String(id).slice(0, 8) : ''
}

export function debounce (fn, ms) {
  let timer = null
  const wrapped = (...args) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), ms)
  }
  wrapped.cancel = () => clearTimeout(timer)
  return wrapped
}

/** At most one call per `ms`, and always one after the last request. */
export function throttle (fn, ms) {
  let timer = null
  let pending = false
  const wrapped = () => {
    if (timer) { pending = true; return }
    fn()
    timer = setTimeout(function tick () {
      timer = null
      if (pending) { pending = false; wrapped() }
    }, ms)
  }
  wrapped.cancel = () => { clearTimeout(timer); timer = null; pending = false }
  return wrapped
}

export function empty (text) {
  return h('div', { class: 'empty' }, text)
}

export function errorBox (error) {
  const body = error && error.body
  const message = body && typeof body === 'object'
    ? [body.error, body.message].filter(Boolean).join(': ')
    : String((error && error.message) || error)
  const box = h('div', { class: 'error-box', role: 'alert' }, message)
  if (body && Array.isArray(body.errors)) {
    box.append(h('ul', null, body.errors.map(e => h('li', null, h('code', null, e.path || '(body)'), ' ', e.message))))
  }
  return box
}

export function copyButton (getText, label = 'Copy') {
  const button = h('button', { class: 'small ghost', type: 'button' }, label)
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(getText())
      button.textContent = 'Copied'
    } catch {
      button.textContent = 'Copy failed'
    }
    setTimeout(() => { button.textContent = label }, 1200)
  })
  return button
}

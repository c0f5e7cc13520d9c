// JSON shown as coloured text (built as DOM nodes), and parsing with a readable error.

import { h } from './dom.js'

function render (value, indent, out) {
  const pad = '  '.repeat(indent)
  if (value === null) { out.push(h('span', { class: 'j-null' }, 'null')); return }
  if (Array.isArray(value)) {
    if (!value.length) { out.push('[]'); return }
    out.push('[\n')
    value.forEach((item, i) => {
      out.push(pad + '  ')
      render(item, indent + 1, out)
      out.push(i < value.length - 1 ? ',\n' : '\n')
    })
    out.push(pad + ']')
    return
  }
  switch (typeof value) {
    case 'object': {
      const keys = Object.keys(value)
      if (!keys.length) { out.push('{}'); return }
      out.push('{\n')
      keys.forEach((key, i) => {
        out.push(pad + '  ', h('span', { class: 'j-key' }, JSON.stringify(key)), ': ')
        render(value[key], indent + 1, out)
        out.push(i < keys.length - 1 ? ',\n' : '\n')
      })
      out.push(pad + '}')
      return
    }
    case 'string': out.push(h('span', { class: 'j-str' }, JSON.stringify(value))); return
    case 'number': out.push(h('span', { class: 'j-num' }, String(value))); return
    case 'boolean': out.push(h('span', { class: 'j-bool' }, String(value))); return
    default: out.push(String(value))
  }
}

export function jsonView (value, cls = '') {
  const out = []
  render(value === undefined ? null : value, 0, out)
  return h('pre', { class: `json ${cls}` }, out)
}

export function compact (value) {
  try { return JSON.stringify(value) } catch { return String(value) }
}

export function pretty (value) {
  return JSON.stringify(value === undefined ? null : value, null, 2)
}

export function parseJson (text) {
  if (!text.trim()) return { ok: false, error: 'empty: write a JSON value' }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, error: error.message }
  }
}

/** A textarea for JSON that says when its text does not parse. */
export function jsonEditor ({ value, rows = 12, onInput, label = 'JSON' } = {}) {
  const area = h('textarea', { class: 'code', rows, spellcheck: 'false', 'aria-label': label })
  const status = h('div', { class: 'json-status' })
  const wrap = h('div', { class: 'json-editor' }, area, status)
  const check = () => {
    const parsed = parseJson(area.value)
    status.textContent = parsed.ok ? '' : `Not valid JSON: ${parsed.error}`
    status.classList.toggle('bad', !parsed.ok)
    area.classList.toggle('bad', !parsed.ok)
    return parsed
  }
  area.addEventListener('input', () => {
    const parsed = check()
    if (onInput) onInput(parsed)
  })
  area.addEventListener('keydown', event => {
    if (event.key === 'Tab') {
      event.preventDefault()
      area.setRangeText('  ', area.selectionStart, area.selectionEnd, 'end')
    }
  })
  const editor = {
    element: wrap,
    textarea: area,
    get text () { return area.value },
    set text (text) { area.value = text; check() },
    parse: check,
    setValue (v) { editor.text = pretty(v) }
  }
  if (value !== undefined) editor.setValue(value)
  return editor
}

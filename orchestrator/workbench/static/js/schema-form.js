// Forms built from JSON Schema (request bodies), and sample values for a schema.

import { h } from './dom.js'
import { parseJson, pretty } from './json.js'

function typeOf (schema) {
  if (!schema || typeof schema !== 'object') return undefined
  if (Array.isArray(schema.type)) return schema.type.find(t => t !== 'null')
  if (schema.type) return schema.type
  if (schema.properties) return 'object'
  if (schema.enum) return typeof schema.enum[0]
  const variant = (schema.anyOf || schema.oneOf || [])[0]
  return variant ? typeOf(variant) : undefined
}

/** A value that fits `schema` as far as a sample can: defaults, examples, enums, bounds. */
export function sampleFor (schema, name = '', depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 6) return null
  if ('default' in schema) return schema.default
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0]
  if ('const' in schema) return schema.const
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0]
  const type = typeOf(schema)
  const variant = (schema.anyOf || schema.oneOf || [])[0]
  if (!type && variant) return sampleFor(variant, name, depth + 1)
  switch (type) {
    case 'object': {
      const out = {}
      for (const [key, sub] of Object.entries(schema.properties || {})) out[key] = sampleFor(sub, key, depth + 1)
      return out
    }
    case 'array': return schema.minItems ? [sampleFor(schema.items, name, depth + 1)] : []
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1)
      return Math.ceil(min)
    }
    case 'number': {
      if (schema.minimum !== undefined) return schema.minimum
      if (schema.exclusiveMinimum !== undefined) return schema.exclusiveMinimum + 1
      return 1
    }
    case 'boolean': return false
    case 'null': return null
    case 'string': {
      if (schema.format === 'date-time') return new Date().toISOString()
      if (schema.format === 'email') return 'someone@example.com'
      if (schema.format === 'uuid') return crypto.randomUUID()
      const base = name ? `${name}-1` : 'text'
      const min = schema.minLength || 0
      const max = schema.maxLength ?? Infinity
      let text = base
      if (text.length > max) text = 'x'.repeat(Math.max(min, Math.min(max, 3)))
      if (text.length < min) text = text.padEnd(min, 'x')
      return text
    }
    default: return null
  }
}

function fieldControl (name, schema, required, onChange) {
  const type = typeOf(schema)
  const id = `field-${name}-${Math.random().toString(36).slice(2, 8)}`
  let control
  let read
  let write
  if (Array.isArray(schema.enum)) {
    control = h('select', { id, name },
      required ? null : h('option', { value: '' }, '(unset)'),
      schema.enum.map(v => h('option', { value: JSON.stringify(v) }, String(v))))
    read = () => control.value === '' ? undefined : JSON.parse(control.value)
    write = v => { control.value = v === undefined ? '' : JSON.stringify(v) }
  } else if (type === 'boolean') {
    control = h('select', { id, name },
      required ? null : h('option', { value: '' }, '(unset)'),
      h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'))
    read = () => control.value === '' ? undefined : control.value === 'true'
    write = v => { control.value = v === undefined ? (required ? 'false' : '') : String(Boolean(v)) }
  } else if (type === 'number' || type === 'integer') {
    control = h('input', { id, name, type: 'number', step: type === 'integer' ? '1' : 'any', inputmode: 'decimal' })
    read = () => {
      if (control.value === '') return undefined
      const n = Number(control.value)
      return Number.isFinite(n) ? n : control.value
    }
    write = v => { control.value = v === undefined || v === null ? '' : String(v) }
  } else if (type === 'string' || type === undefined) {
    control = h('input', { id, name, type: 'text', autocomplete: 'off' })
    read = () => control.value === '' && !required ? undefined : control.value
    write = v => { control.value = v === undefined || v === null ? '' : String(v) }
  } else {
    control = h('textarea', { id, name, class: 'code', rows: 3, spellcheck: 'false' })
    read = () => {
      if (!control.value.trim()) return undefined
      const parsed = parseJson(control.value)
      return parsed.ok ? parsed.value : control.value
    }
    write = v => { control.value = v === undefined ? '' : pretty(v) }
  }
  control.addEventListener('input', onChange)
  control.addEventListener('change', onChange)
  const hint = [type || 'any', schema.format, schema.minLength !== undefined ? `≥${schema.minLength} chars` : null,
    schema.maxLength !== undefined ? `≤${schema.maxLength} chars` : null,
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : null,
    schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : null,
    schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${schema.maximum}` : null].filter(Boolean).join(', ')
  const row = h('div', { class: 'field' },
    h('label', { for: id }, name, required ? h('span', { class: 'required', title: 'required' }, '*') : null),
    control,
    h('span', { class: 'hint' }, hint),
    schema.description ? h('span', { class: 'hint description' }, schema.description) : null)
  return { row, read, write }
}

/** Whether a form (rather than only a JSON editor) can stand for this schema. */
export function formable (schema) {
  return typeOf(schema) === 'object' && schema.properties && Object.keys(schema.properties).length > 0
}

/** A form for an object schema: one field per property. */
export function schemaForm (schema, { onChange } = {}) {
  const required = new Set(schema.required || [])
  const fields = {}
  const notify = () => onChange && onChange()
  const element = h('div', { class: 'schema-form' })
  for (const [name, sub] of Object.entries(schema.properties || {})) {
    const field = fieldControl(name, sub || {}, required.has(name), notify)
    fields[name] = field
    element.append(field.row)
  }
  return {
    element,
    getValue () {
      const out = {}
      for (const [name, field] of Object.entries(fields)) {
        const v = field.read()
        if (v !== undefined) out[name] = v
      }
      return out
    },
    setValue (value) {
      const source = value && typeof value === 'object' && !Array.isArray(value) ? value : {}
      for (const [name, field] of Object.entries(fields)) field.write(source[name])
    }
  }
}

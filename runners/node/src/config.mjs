// A step's or stream's exported config, checked to be a map and made plain
// data: every zod schema where a schema may stand becomes JSON Schema
// (runners/README.md, `load`). JSON Schema and the seed's shorthand
// ({field: 'string'}) are already data and pass through.
//
// zod v4 schemas carry `_zod` and are converted with the runner's zod
// (z.toJSONSchema reads only the schema's own definition, so a project's own
// zod 4 works too); zod v3 schemas (`_def`, a project that brings zod 3) go
// through zod-to-json-schema. Both are imported on first use: most files have
// no zod schema, and start-up time counts. A step's `middleware` functions become
// their names (middleware.mjs).
//
// A Motia 1.0 config (`triggers: [...]`, built by hand or with the `http()`,
// `queue()`, `cron()`, `state()`, `stream()` helpers, whose output is the same data)
// is made plain trigger by trigger: schemas converted, `middleware` named, a
// `condition` function reported as `true` (the loader keeps the functions), and the
// keys a helper left undefined dropped.

import { middlewareNames, namesOf } from './middleware.mjs'

const STEP_SCHEMA_FIELDS = ['bodySchema', 'input']

export function isZodSchema(value) {
  if (typeof value !== 'object' || value === null) return false
  return '_zod' in value || (typeof value._def === 'object' && typeof value.safeParse === 'function')
}

let converters

async function loadConverters() {
  const [{ toJSONSchema }, { zodToJsonSchema }] = await Promise.all([import('zod'), import('zod-to-json-schema')])
  return { toJSONSchema, zodToJsonSchema }
}

// `io: 'input'` for what a step receives (a field with a default is optional
// to the sender); 'output' for what it produces. Types JSON Schema cannot say
// (dates, transforms) become {} rather than failing the whole file.
async function toJsonSchema(schema, io) {
  converters ??= await loadConverters()
  if ('_zod' in schema) return converters.toJSONSchema(schema, { io, unrepresentable: 'any' })
  return converters.zodToJsonSchema(schema, { $refStrategy: 'none', pipeStrategy: io })
}

async function convert(value, io) {
  return isZodSchema(value) ? toJsonSchema(value, io) : value
}

// Found by the runner, after the file ran: no stack of the author's to show.
function configError(message) {
  const err = new Error(message)
  err.name = 'ConfigError'
  err.stack = null
  return err
}

function kindOf(value) {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value
}

/** A shallow copy of the exported `config` with its schemas converted; a ConfigError if it is missing or not a map. */
export async function plainConfig(config, kind) {
  if (config === undefined) throw configError('the file does not export a config')
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw configError(`its config is not a map (${kindOf(config)})`)
  }
  const plain = { ...config }
  if (kind === 'stream') {
    if ('schema' in plain) plain.schema = await convert(plain.schema, 'output')
    return plain
  }
  const middleware = middlewareNames(plain)
  if (middleware === undefined) delete plain.middleware
  else plain.middleware = middleware
  await convertSchemas(plain)
  if ('triggers' in plain) plain.triggers = await plainTriggers(plain.triggers, plain.name)
  return plain
}

async function convertSchemas(plain) {
  for (const field of STEP_SCHEMA_FIELDS) {
    if (field in plain) plain[field] = await convert(plain[field], 'input')
  }
  const responses = plain.responseSchema
  if (isZodSchema(responses)) plain.responseSchema = await toJsonSchema(responses, 'output')
  else if (typeof responses === 'object' && responses !== null) {
    plain.responseSchema = {}
    for (const [status, schema] of Object.entries(responses)) plain.responseSchema[status] = await convert(schema, 'output')
  }
}

async function plainTriggers(triggers, stepName) {
  const step = `step '${stepName ?? '?'}'`
  if (!Array.isArray(triggers)) throw configError(`${step}: triggers must be a list of triggers (found ${kindOf(triggers)})`)
  const plain = []
  for (const [index, trigger] of triggers.entries()) {
    const field = `triggers[${index}]`
    if (typeof trigger !== 'object' || trigger === null || Array.isArray(trigger)) {
      throw configError(`${step}: ${field} is not a map (${kindOf(trigger)}); write {type: 'http' | 'queue' | 'cron' | 'state' | 'stream', …}`)
    }
    const copy = Object.fromEntries(Object.entries(trigger).filter(([, value]) => value !== undefined))
    const condition = copy.condition
    if (condition !== undefined && condition !== null && typeof condition !== 'function') {
      throw configError(`${step}: ${field}.condition is not a function (${kindOf(condition)}); it is (input, ctx) => boolean`)
    }
    if (typeof condition === 'function') copy.condition = true
    else delete copy.condition
    if ('middleware' in copy) {
      const names = namesOf(copy.middleware, stepName, `${field}.middleware`)
      if (names === undefined) delete copy.middleware
      else copy.middleware = names
    }
    await convertSchemas(copy)
    plain.push(copy)
  }
  return plain
}

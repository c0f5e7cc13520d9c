// `jsonSchema(zodSchema)` (Motia 1.0: src/types.ts): a zod schema as JSON Schema
// draft 7, now, for a config that wants data rather than a schema object. The
// runner's zod reads any zod 4 schema's own definition; a project's zod 3 schema
// goes through zod-to-json-schema, as the loader converts it (config.mjs). Both
// are required on first use: most steps never call it.

import { createRequire } from 'node:module'
import { isZodSchema } from '../config.mjs'

const require = createRequire(import.meta.url)

export function jsonSchema(schema) {
  if (!isZodSchema(schema)) {
    const given = typeof schema === 'object' ? JSON.stringify(schema) : typeof schema
    throw new TypeError(`jsonSchema() takes a zod schema, not ${given}`)
  }
  if ('_zod' in schema) return require('zod').toJSONSchema(schema, { target: 'draft-7' })
  return require('zod-to-json-schema').zodToJsonSchema(schema, { target: 'jsonSchema7', $refStrategy: 'none' })
}

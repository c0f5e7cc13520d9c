// A .js file's module system comes from its syntax (docs/reference.md §2).

import assert from 'node:assert/strict'
import { it } from 'node:test'
import { detectFormat } from '../src/format.mjs'

it('tells ESM from CommonJS by syntax', () => {
  const cases = {
    "import x from 'y'": 'module',
    'export const a = 1': 'module',
    'const url = import.meta.url': 'module',
    'await Promise.resolve()': 'module',
    'exports.config = {}': 'commonjs',
    "const { z } = require('zod')\nmodule.exports = { z }": 'commonjs',
    "#!/usr/bin/env node\nexports.a = 1": 'commonjs',
    "const later = () => import('x')": 'commonjs',
    'const broken = ;': 'commonjs',
  }
  for (const [source, format] of Object.entries(cases)) assert.equal(detectFormat(source), format, source)
})

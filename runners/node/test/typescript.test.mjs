// typescript.mjs on its own: which module system a TypeScript file runs in,
// what it compiles to, and TypeScript-style specifiers. The rule is the one of
// tsc (`module: nodenext`), ts-node and tsx: the package scope decides, .mts and
// .cts say it themselves, and ESM-only syntax keeps a file ESM.

import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { compileTypeScript, typeScriptCandidate, typeScriptFormat } from '../src/typescript.mjs'

describe('typescript', () => {
  let root
  const write = (relative, text) => {
    const path = join(root, relative)
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, text)
    return path
  }

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'steppe-ts-')) // no package.json above it
  })

  after(() => rmSync(root, { recursive: true, force: true }))

  it('follows the nearest package.json: CommonJS without "type": "module" or without one', () => {
    const plain = 'export const config = {}\n'
    assert.equal(typeScriptFormat(write('bare/a.ts', plain)), 'commonjs')
    write('cjs/package.json', '{"name": "app"}')
    assert.equal(typeScriptFormat(write('cjs/src/deep/a.ts', plain)), 'commonjs')
    write('esm/package.json', '{"type": "module"}')
    assert.equal(typeScriptFormat(write('esm/src/a.ts', plain)), 'module')
    assert.equal(typeScriptFormat(write('esm/src/b.tsx', plain)), 'module')
    assert.equal(typeScriptFormat(write('esm/src/c.cts', plain)), 'commonjs')
    assert.equal(typeScriptFormat(write('cjs/src/d.mts', plain)), 'module')
  })

  it("keeps a file that uses top-level await or import.meta ESM (esbuild's words for them)", () => {
    assert.equal(typeScriptFormat(write('bare/await.ts', 'export const x = await Promise.resolve(1)\n')), 'module')
    assert.equal(typeScriptFormat(write('bare/meta.ts', 'export const url = import.meta.url\n')), 'module')
    assert.equal(typeScriptFormat(write('bare/inner.ts', 'export const f = async () => await 1\n')), 'commonjs')
  })

  it('compiles CommonJS with require and module.exports kept and type-only imports erased', () => {
    const path = write(
      'bare/helper.ts',
      "import type { Handlers } from 'motia'\nimport { Flow } from '@motia/core'\nconst fs = require('node:fs')\n" +
        'const f: Flow | null = null\nmodule.exports = { ok: (h: Handlers) => f }\n',
    )
    const code = compileTypeScript(path, 'commonjs')
    assert.match(code, /require\("node:fs"\)/)
    assert.match(code, /module\.exports = \{ ok:/)
    assert.doesNotMatch(code, /motia/)
    assert.match(code, /sourceMappingURL=data:/)
  })

  it('gives ESM __dirname and __filename as constants, and names the line of a syntax error', () => {
    const path = write('esm/src/dir.ts', 'export const here = [__dirname, __filename]\n')
    assert.ok(compileTypeScript(path, 'module').includes(JSON.stringify(join(root, 'esm/src'))))
    const broken = write('bare/broken.ts', 'const a = 1\nconst = 2\n')
    assert.throws(() => typeScriptFormat(broken), (err) => err instanceof SyntaxError && err.line === 2)
  })

  it('finds helper.ts for ./helper and ./helper.js, and a folder index', () => {
    const helper = write('lib/helper.ts', '')
    const index = write('lib/tools/index.ts', '')
    assert.equal(typeScriptCandidate(join(root, 'lib/helper')), helper)
    assert.equal(typeScriptCandidate(join(root, 'lib/helper.js')), helper)
    assert.equal(typeScriptCandidate(join(root, 'lib/tools')), index)
    assert.equal(typeScriptCandidate(join(root, 'lib/missing')), null)
  })
})

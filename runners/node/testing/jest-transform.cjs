// A jest transformer for TypeScript specs in a project with jest and no jest config of
// its own (`steppe test` passes it in the config it writes): esbuild, from the Node
// runner's own packages, to CommonJS with an inline source map so that failures point
// at .ts lines. Types are erased, never checked (as the runner does for step files).

'use strict'

const { transformSync } = require('esbuild')
const { extname } = require('node:path')

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx' }

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: LOADERS[extname(filename)] ?? 'ts',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false, preserveValueImports: false } },
    })
    return { code, map }
  },
}

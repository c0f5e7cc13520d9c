// Which module system a project's .js file is written for, from its syntax
// alone: docs/reference.md §2 lets a `.js` step use ESM or CommonJS whatever the project's
// package.json says, as Motia's templates do.
//
// The test is Node's own (`--experimental-detect-module`): compile the source
// as a CommonJS function body; if that fails with an error that only ESM
// syntax causes, it is ESM. Compiling without running is cheap, and V8 is the
// judge, so no hand-written parser can disagree with it.

import vm from 'node:vm'

const ESM_ONLY = new Set([
  'Cannot use import statement outside a module',
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
  // Errors that mean "valid in a module": top-level await, or declaring a
  // name the CommonJS wrapper already binds.
  'await is only valid in async functions and the top level bodies of modules',
  "Identifier 'module' has already been declared",
  "Identifier 'exports' has already been declared",
  "Identifier 'require' has already been declared",
  "Identifier '__filename' has already been declared",
  "Identifier '__dirname' has already been declared",
])

const WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname']

/** 'module' or 'commonjs'. A file with a plain syntax error counts as CommonJS, whose loader reports it with its line. */
export function detectFormat(source) {
  try {
    vm.compileFunction(source.startsWith('#!') ? `//${source}` : source, WRAPPER_PARAMS)
    return 'commonjs'
  } catch (err) {
    return err instanceof SyntaxError && ESM_ONLY.has(err.message) ? 'module' : 'commonjs'
  }
}

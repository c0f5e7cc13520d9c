// Module hooks for specs run by Node's test runner: the names specs import the
// tester by resolve to tester.cjs (jest finds the same file through NODE_PATH and
// modules/).

const TESTER = new URL('./tester.cjs', import.meta.url).href
const NAMES = new Set(['@motiadev/test', 'steppe/test'])

export async function resolve(specifier, context, nextResolve) {
  if (NAMES.has(specifier)) return { url: TESTER, format: 'commonjs', shortCircuit: true }
  return nextResolve(specifier, context)
}

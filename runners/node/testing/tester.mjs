// The tester for ESM importers that do not go through Node's CommonJS interop (vitest
// aliases `@motiadev/test` here; a .mjs file is loaded by Node itself).
import tester from './tester.cjs'

export const { createMotiaTester, createMockContext, createMockLogger } = tester

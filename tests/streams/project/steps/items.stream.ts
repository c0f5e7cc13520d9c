// The main test stream (TypeScript, zod schema as in Motia).
import { z } from 'zod'
import type { StreamConfig } from 'motia'

export const config: StreamConfig = {
  name: 'items',
  schema: z.object({ text: z.string(), n: z.number().optional() }),
  baseConfig: { storageType: 'default' },
}

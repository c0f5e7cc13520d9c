import { z } from 'zod'
import type { StreamConfig } from 'motia'

export const config: StreamConfig = {
  name: 'messages',
  schema: z.object({ text: z.string() }),
  baseConfig: { storageType: 'default' },
}

// The messages of each conversation (group = conversation id), user's and assistant's.
// The assistant's reply is one item, updated token by token while the model answers.
import { z } from 'zod'
import type { StreamConfig } from 'motia'

export const chatMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  status: z.enum(['pending', 'streaming', 'done', 'error']),
  createdAt: z.string(),
  error: z.string().optional(),
})

export const config: StreamConfig = {
  name: 'chat-messages',
  schema: chatMessageSchema,
  // A day of history, and no more than 200 messages a conversation.
  baseConfig: { storageType: 'default', ttl: 86400, maxItems: 200 },
}

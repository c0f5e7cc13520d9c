// POST /chat/messages {conversationId, message}: stores the user's message, opens an empty
// assistant reply in the `chat-messages` stream, and hands the reply to StreamChatReply.
import { z } from 'zod'
import type { ApiRouteConfig, Handlers } from 'motia'

// Where the OpenAI-compatible chat-completions API is, the key for it, and the model.
const LLM_VARIABLES = ['LLM_BASE_URL', 'LLM_API_KEY', 'LLM_MODEL']

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'SendChatMessage',
  description: 'Send a chat message; the reply streams into chat-messages',
  method: 'POST',
  path: '/chat/messages',
  bodySchema: z.object({
    conversationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    message: z.string().min(1).max(4000),
  }),
  responseSchema: {
    202: z.object({ conversationId: z.string(), messageId: z.string(), replyId: z.string() }),
    // Also Steppe's own 503 (runner unavailable), which has a message instead of `missing`.
    503: z.object({
      error: z.string(),
      traceId: z.string(),
      missing: z.array(z.string()).optional(),
      message: z.string().optional(),
    }),
  },
  emits: ['chat.message.received'],
  flows: ['chat'],
}

export const handler: Handlers['SendChatMessage'] = async (req, { emit, streams, logger, traceId }) => {
  // Checked here rather than with requiredEnv: a step with requiredEnv unmet is not loaded
  // at all, and this one should still answer, saying what is missing.
  const missing = LLM_VARIABLES.filter((name) => !process.env[name])
  if (missing.length > 0) {
    return { status: 503, body: { error: 'the chat model is not configured', traceId, missing } }
  }
  const { conversationId, message } = req.body
  const messages = streams['chat-messages']
  const createdAt = new Date().toISOString()
  const messageId = crypto.randomUUID()
  const replyId = crypto.randomUUID()
  await messages.set(conversationId, messageId, { role: 'user', content: message, status: 'done', createdAt })
  await messages.set(conversationId, replyId, { role: 'assistant', content: '', status: 'pending', createdAt })
  await emit({ topic: 'chat.message.received', data: { conversationId, replyId } })
  logger.info('chat message received', { conversationId, replyId })
  return { status: 202, body: { conversationId, messageId, replyId } }
}

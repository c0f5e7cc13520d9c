// GET /chat: a page that sends messages and shows the replies as their tokens arrive.
import type { ApiRouteConfig, Handlers } from 'motia'
import { CHAT_PAGE } from './chat-page'

export const config: ApiRouteConfig = {
  type: 'api',
  name: 'ChatPage',
  description: 'The chat page (HTML): live over the stream WebSocket, polling REST as a fallback',
  method: 'GET',
  path: '/chat',
  emits: [],
  flows: ['chat'],
}

export const handler: Handlers['ChatPage'] = async () => ({
  status: 200,
  body: CHAT_PAGE,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
})

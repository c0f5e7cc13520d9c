// A Motia 1.0 stream (docs/content/docs/development-guide/streams.mdx, "Subscription
// Hooks"): onJoin refuses clients without a userId, onLeave hears every subscription end.
// It exports the Stream object alone, as `export const x = new Stream(config)` does (the
// class is local: the loader reads any such object's `.config`).
import type { StreamConfig } from 'motia'

class Stream {
  config: StreamConfig
  constructor(config: StreamConfig) {
    this.config = config
  }
}

export const todoStream = new Stream({
  name: 'todo',
  baseConfig: { storageType: 'default' },
  schema: { type: 'object' },
  onJoin: async (subscription, context, authContext) => {
    context.logger.info(`joined todo ${subscription.groupId}/${subscription.id ?? '*'}`, { authContext })
    if (authContext?.userId === 'boom') throw new Error('the todo database is down')
    if (!authContext?.userId || authContext.userId === 'bob') return { unauthorized: true }
    return { unauthorized: false }
  },
  onLeave: async (subscription, context, authContext) => {
    context.logger.info(`left todo ${subscription.groupId}/${subscription.id ?? '*'} by ${authContext?.userId}`)
  },
} as StreamConfig)

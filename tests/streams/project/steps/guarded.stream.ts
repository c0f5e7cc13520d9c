// canAccess inside the config, as Motia writes it.
import type { StreamConfig, StreamSubscription } from 'motia'

export const config: StreamConfig = {
  name: 'guarded',
  schema: { type: 'object' },
  baseConfig: { storageType: 'default' },
  canAccess: (subscription: StreamSubscription, authContext: { token: string | null }) =>
    authContext.token === 'ts-secret' && subscription.groupId !== 'closed',
}

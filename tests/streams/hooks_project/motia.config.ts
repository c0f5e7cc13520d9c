// Motia 1.0's project-level stream authentication, as the playground writes it
// (frameworks/motia/motia-js/playground/motia.config.ts): one call per connection.
import type { AuthenticateStream } from 'motia'

export const authenticateStream: AuthenticateStream = async (req, context) => {
  const user = req.queryParams.user?.[0] ?? req.headers['x-user']
  context.logger.info('authenticating', { path: req.path })
  if (user === 'crash') throw new Error('the user directory is down')
  if (user === 'nobody') return null as never
  return {
    context: { userId: user, path: req.path, header: req.headers['x-test'] ?? null, hasAddr: req.addr.length > 0 },
  }
}

// Motia 0.17's canAccess, given the context authenticateStream made.
export const config = {
  name: 'guarded',
  schema: { type: 'object' },
  baseConfig: { storageType: 'default' },
  canAccess: (subscription, authContext) => authContext?.userId === 'ann',
}

// JavaScript (ESM syntax): keeps the newest three items of each group.
export const config = {
  name: 'capped',
  schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  baseConfig: { storageType: 'default', maxItems: 3 },
}

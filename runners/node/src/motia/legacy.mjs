// What a Motia 0.17 project imports at runtime from 'motia' (packages/core/index.ts
// at v0.17.14-beta.196): `config`/`defineConfig` in motia.config.ts, and the step
// guards. The rest of 0.17's runtime exports are its server's own parts (adapters,
// createServer, LockedData, ...), which a step does not use; its step files import
// types, which esbuild erases.

export const config = (appConfig) => appConfig
export const defineConfig = config

export const isApiStep = (step) => step?.config?.type === 'api'
export const isEventStep = (step) => step?.config?.type === 'event'
export const isNoopStep = (step) => step?.config?.type === 'noop'
export const isCronStep = (step) => step?.config?.type === 'cron'

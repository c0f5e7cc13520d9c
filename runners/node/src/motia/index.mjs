// The `motia` module as step files see it: every `import ... from 'motia'` and
// `require('motia')` resolves here (hooks.mjs, commonjs.mjs), whatever the
// project has installed, as one module instance shared by every file.
//
// The runtime values of Motia 1.0's package (motia-js/packages/motia/src/index.ts;
// its types are erased), bound to the handler running now, and the few 0.17 ones
// a project uses (legacy.mjs). Not here: Motia's engine plumbing (`Motia`,
// `getInstance`, `initIII`, `setupStepEndpoint`, `generateStepId`, iii-sdk's
// `ChannelReader`/`ChannelWriter`); importing one fails at load, naming it.

export { logger, Logger } from './logger.mjs'
export { enqueue, StateManager, stateManager } from './state.mjs'
export { Stream } from './stream.mjs'
export { step, multiTriggerStep } from './step.mjs'
export { jsonSchema } from './schema.mjs'
export {
  api,
  cron,
  getApiTriggers,
  getCronTriggers,
  getQueueTriggers,
  getStateTriggers,
  getStreamTriggers,
  http,
  isApiTrigger,
  isCronTrigger,
  isQueueTrigger,
  isStateTrigger,
  isStreamTrigger,
  queue,
  state,
  stream,
} from './triggers.mjs'
export { config, defineConfig, isApiStep, isCronStep, isEventStep, isNoopStep } from './legacy.mjs'

// `step()` and `multiTriggerStep()` (Motia 1.0: src/step.ts, src/multi-trigger.ts):
// a config and its handler put together, for `export const { config, handler } = ...`.

export function step(config, handler) {
  if (handler) return { config, handler }
  return { config, handle: (h) => ({ config, handler: h }) }
}

const TRIGGER_TYPES = ['queue', 'http', 'cron', 'state', 'stream']
const BUILDER_METHODS = { onQueue: 'queue', onHttp: 'http', onCron: 'cron', onState: 'state', onStream: 'stream' }

/** A builder collecting one handler per trigger type; its handler picks by `ctx.trigger.type`. */
export function multiTriggerStep(config) {
  const collected = {}
  const unified = async (input, ctx) => {
    const type = ctx?.trigger?.type
    const chosen = TRIGGER_TYPES.includes(type) ? collected[type] : undefined
    if (chosen) return type === 'cron' ? chosen(ctx) : chosen(input, ctx)
    const available = Object.keys(collected)
    const fields = { availableHandlers: available, triggerType: type }
    ctx?.logger?.warn(`No handler defined for trigger type: ${type}`, fields)
    throw new Error(`No handler defined for trigger type: ${type}. Available handlers: ${available.join(', ')}`)
  }
  const definition = () => ({ config, handler: unified })
  const builder = {
    config,
    handlers(given) {
      if (given) Object.assign(collected, given)
      return definition()
    },
  }
  for (const [method, type] of Object.entries(BUILDER_METHODS)) {
    builder[method] = (handler) => {
      collected[type] = handler
      return { ...builder, handlers: definition }
    }
  }
  return builder
}

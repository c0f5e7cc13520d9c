// Trigger helpers and guards (Motia 1.0: src/triggers.ts, src/guards.ts): plain
// objects, so a config built with them is the same data as one written out;
// the loader makes a `condition` function `true` in the config it reports.

export function http(method, path, options, condition) {
  return { type: 'http', method, path, ...options, condition }
}

/** Motia's deprecated name of `http`. */
export const api = http

export function queue(topic, options, condition) {
  return { type: 'queue', topic, ...options, condition }
}

// Motia's is cron(expression, condition?); cron(expression, options, condition)
// is accepted too, as queue and http take it.
export function cron(expression, optionsOrCondition, condition) {
  if (typeof optionsOrCondition === 'function') return { type: 'cron', expression, condition: optionsOrCondition }
  return { type: 'cron', expression, ...optionsOrCondition, condition }
}

export function state(condition) {
  return { type: 'state', condition }
}

// stream(name, condition) or stream(name, {groupId, itemId, condition}) as in
// Motia; stream(name, options, condition) too.
export function stream(streamName, optionsOrCondition, condition) {
  if (typeof optionsOrCondition === 'function') return { type: 'stream', streamName, condition: optionsOrCondition }
  const { groupId, itemId, condition: given } = optionsOrCondition ?? {}
  return { type: 'stream', streamName, groupId, itemId, condition: given ?? condition }
}

const isType = (type) => (trigger) => trigger?.type === type
export const isApiTrigger = isType('http')
export const isQueueTrigger = isType('queue')
export const isCronTrigger = isType('cron')
export const isStateTrigger = isType('state')
export const isStreamTrigger = isType('stream')

// Of a step ({config, handler}, as step() returns it).
const triggersOf = (guard) => (step) => (step?.config?.triggers ?? []).filter(guard)
export const getApiTriggers = triggersOf(isApiTrigger)
export const getQueueTriggers = triggersOf(isQueueTrigger)
export const getCronTriggers = triggersOf(isCronTrigger)
export const getStateTriggers = triggersOf(isStateTrigger)
export const getStreamTriggers = triggersOf(isStreamTrigger)

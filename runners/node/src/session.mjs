// Requests the runner sends to the orchestrator (a step's context calls) and
// the matching of their responses: the runner numbers its own requests.

export class Session {
  constructor(writer) {
    this.writer = writer
    this.nextId = 1
    this.pending = new Map()
  }

  /** Send `method` and resolve with the response's `r`, or reject with an Error named by its `e`. */
  request(method, params) {
    // Made now so that a failure's stack shows the step's call site; V8 formats
    // the stack lazily, so the name and message can still be set on failure.
    const error = new Error()
    const id = this.nextId++
    try {
      this.writer.request(id, method, params, `${method} params`)
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, error })
    })
  }

  note(method, params) {
    this.writer.note(method, params)
  }

  /** Settle the call a response frame answers (a response to no call is ignored). */
  settle(frame) {
    const call = this.pending.get(frame.id)
    if (call === undefined) return
    this.pending.delete(frame.id)
    if (frame.ok) return call.resolve(frame.r)
    const { error } = call
    error.name = typeof frame.e.name === 'string' ? frame.e.name : 'Error'
    error.message = typeof frame.e.message === 'string' ? frame.e.message : ''
    call.reject(error)
  }
}

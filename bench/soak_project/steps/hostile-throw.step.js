// Hostile: throws a value with no prototype (once left the call unanswered until its timeout).
exports.config = { type: 'api', name: 'HostileThrow', method: 'GET', path: '/hostile/throw', emits: [] }
exports.handler = async () => { throw Object.create(null) }

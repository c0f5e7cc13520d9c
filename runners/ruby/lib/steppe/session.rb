# frozen_string_literal: true

require_relative 'errors'

module Steppe
  # Requests the runner sends to the orchestrator (context calls), each with
  # its own id, and the threads waiting for their answers.
  class Session
    # `before_wait` is called before each request: whoever holds the reading
    # turn must not keep it while the answer is due (Framing::Reader#release_turn).
    def initialize(writer, before_wait: -> {})
      @writer = writer
      @before_wait = before_wait
      @lock = Mutex.new
      @last_id = 0
      @waiting = {}
    end

    # Sends the request and blocks the calling thread until the answer comes:
    # returns `r`, or raises a RemoteError built from `e`.
    def request(method, params)
      mailbox = Thread::Queue.new
      id = @lock.synchronize do
        @last_id += 1
        @waiting[@last_id] = mailbox
        @last_id
      end
      @before_wait.call
      @writer.request(id, method, params)
      reply = mailbox.pop
      raise RemoteError, reply['e'] unless reply['ok']

      reply['r']
    ensure
      # A cancelled call leaves no mailbox behind; its late answer is dropped.
      @lock.synchronize { @waiting.delete(id) } if id
    end

    def note(method, params)
      @writer.note(method, params)
    end

    # Hands a response from the orchestrator to the thread waiting for it (a
    # response to no call is ignored).
    def settle(response)
      mailbox = @lock.synchronize { @waiting.delete(response['id']) }
      mailbox&.push(response)
    end
  end
end

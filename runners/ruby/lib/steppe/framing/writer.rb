# frozen_string_literal: true

require_relative '../framing'

module Steppe
  module Framing
    # The only writer of the protocol IO, shared by every thread.
    #
    # A thread that finds nobody writing becomes the writer and keeps writing
    # until the buffer is empty; a thread that finds a write in progress only
    # appends its frame. Frames pile up while a write blocks, so under load many
    # go out in one write(2), and an idle runner pays no hand-off to a writer
    # thread. Interrupts (a cancelled invocation) are deferred while a frame is
    # queued or written, so a frame is never cut in half.
    class Writer
      def initialize(io)
        @io = io
        @lock = Mutex.new
        @idle = ConditionVariable.new
        @buffer = new_buffer
        @writing = false
      end

      def request(id, method, params)
        write('t' => 'req', 'id' => id, 'm' => method, 'p' => params)
      end

      def response(id, result)
        write('t' => 'res', 'id' => id, 'ok' => true, 'r' => result)
      end

      def error(id, error)
        write('t' => 'res', 'id' => id, 'ok' => false, 'e' => error)
      end

      def note(method, params)
        write('t' => 'note', 'm' => method, 'p' => params)
      end

      def write(frame)
        bytes = Framing.encode(frame)
        Thread.handle_interrupt(Object => :never) do
          @lock.synchronize do
            @buffer << bytes
            return if @writing

            @writing = true
          end
          drain
        end
      end

      # Returns once every frame written so far has reached the IO.
      def flush
        @lock.synchronize { @idle.wait(@lock) while @writing }
      end

      private

      def new_buffer
        String.new(capacity: 16 * 1024, encoding: Encoding::BINARY)
      end

      def drain
        loop do
          chunk = @lock.synchronize do
            if @buffer.empty?
              @writing = false
              @idle.broadcast
              return
            end
            taken = @buffer
            @buffer = new_buffer
            taken
          end
          @io.write(chunk)
        end
      rescue Exception
        # A broken pipe means the orchestrator is gone; let the next writer try
        # (and fail) rather than leave everyone waiting on a write that ended.
        @lock.synchronize do
          @writing = false
          @idle.broadcast
        end
        raise
      end
    end
  end
end

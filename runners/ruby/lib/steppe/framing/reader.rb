# frozen_string_literal: true

require_relative '../errors'
require_relative '../framing'

module Steppe
  module Framing
    # Reads the orchestrator's frames (leader/followers). The thread holding the
    # reading turn reads a chunk and gives its messages to `take`. When `take`
    # returns a job (the chunk's last invocation) the turn passes to a standby
    # thread and this thread runs the job itself, so a handler starts on the
    # thread that read its request: handing it to a worker instead costs a
    # thread wake-up, which is most of an empty invocation's round trip.
    class Reader
      READ_SIZE = 64 * 1024

      def initialize(io, on_end:, &take)
        @io = io
        @on_end = on_end
        @take = take
        @decoder = Decoder.new
        @turns = Thread::Queue.new
      end

      # Takes the first turn in the calling thread; never returns. At EOF or on
      # a bad frame, calls on_end with nil or the error.
      def run
        Thread.handle_interrupt(Cancelled => :never) do
          loop do
            job = read_until_job
            pass_turn
            job.call
            @turns.pop
          end
        end
      rescue Exception => e
        @on_end.call(e.is_a?(EOFError) ? nil : e)
      end

      private

      def read_until_job
        loop do
          messages = []
          @decoder.feed(@io.readpartial(READ_SIZE)) { |message| messages << message }
          job = @take.call(messages)
          return job if job
        end
      end

      # Only the turn's holder passes it, so a waiting thread is an idle one; if
      # every reader thread is busy running a job, a new one takes the turn.
      def pass_turn
        if @turns.num_waiting.zero?
          Thread.new { run }
        else
          @turns << :turn
        end
      end
    end
  end
end

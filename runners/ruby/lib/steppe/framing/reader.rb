# frozen_string_literal: true

require_relative '../errors'
require_relative '../framing'

module Steppe
  module Framing
    # Reads the orchestrator's frames (leader/followers). The thread holding the
    # reading turn reads a chunk and gives its messages to `take`. When `take`
    # returns a job (the chunk's last invocation) the thread runs it itself,
    # still holding the turn, so a handler starts on the thread that read its
    # request and a quick one is answered with no thread hand-off at all (a
    # wake-up costs most of an empty invocation's round trip).
    #
    # The turn passes to another thread while the job runs only when reading
    # cannot wait: at once when any thread is about to wait for an answer from
    # the orchestrator (#release_turn, called before each context call), else
    # once the job has held the turn for a whole TICK (a handler sleeping or
    # doing I/O must not hold up other requests and cancels for long).
    class Reader
      READ_SIZE = 64 * 1024
      # The watchdog's period: a job keeps the reading turn for 1 to 2 ticks at most.
      TICK = 0.001

      def initialize(io, on_end:, &take)
        @io = io
        @on_end = on_end
        @take = take
        @decoder = Decoder.new
        @turns = Thread::Queue.new
        @lock = Mutex.new
        @lent_to = nil # the thread running a job while holding the turn
        @lends = 0 # how many jobs have run holding the turn, for the watchdog
        @watch = ConditionVariable.new
        @watchdog_idle = false
        @watchdog = nil
      end

      # Takes the first turn in the calling thread; never returns. At EOF or on
      # a bad frame, calls on_end with nil or the error.
      def run
        Thread.handle_interrupt(Cancelled => :never) do
          loop do
            job = read_until_job
            lend_turn
            job.call
            @turns.pop unless keep_turn
          end
        end
      rescue Exception => e
        @on_end.call(e.is_a?(EOFError) ? nil : e)
      end

      # Someone is about to wait for an answer: if the turn's holder is running
      # a job, another thread takes the turn and reads it.
      def release_turn
        @lock.synchronize { pass_turn if @lent_to }
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

      def lend_turn
        @lock.synchronize do
          @lent_to = Thread.current
          @lends += 1
          @watchdog ||= Thread.new { watch }
          @watch.signal if @watchdog_idle
        end
      end

      # After the job: whether this thread still holds the turn.
      def keep_turn
        @lock.synchronize do
          next false unless @lent_to.equal?(Thread.current)

          @lent_to = nil
          true
        end
      end

      # Under @lock. Only the holder's turn is passed, so a thread waiting for
      # one is an idle one; if every reader thread is busy running a job, a new
      # one takes the turn.
      def pass_turn
        @lent_to = nil
        if @turns.num_waiting.zero?
          Thread.new { run }
        else
          @turns << :turn
        end
      end

      # Ticks while jobs run; sleeps once a whole tick passed with none.
      def watch
        seen = nil
        @lock.synchronize do
          loop do
            if seen == @lends
              if @lent_to then pass_turn # the same job has held the turn a whole tick
              else
                @watchdog_idle = true
                @watch.wait(@lock) until @lent_to
                @watchdog_idle = false
              end
            end
            seen = @lends
            @watch.wait(@lock, TICK)
          end
        end
      end
    end
  end
end

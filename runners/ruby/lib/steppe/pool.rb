# frozen_string_literal: true

require_relative 'errors'

module Steppe
  # Worker threads for invocations that cannot run on the thread that read
  # them (all but the last of a chunk). Starting a Ruby thread costs about as
  # much as a whole empty invocation, so threads are kept and reused. A thread
  # is added when a job is waiting and every thread is running one (a handler
  # blocked on a context call or on I/O holds its thread), up to
  # `max_threads`, beyond which jobs wait their turn. Checking when a job is
  # taken, not only when it is posted, matters: a burst of jobs is posted
  # before any worker wakes, and short jobs then need no extra threads.
  #
  # Pool#cancel raises Cancelled in the thread running a job, but only inside
  # the job's Pool.cancellable block: Cancelled is deferred everywhere else,
  # so a cancel that comes late can neither cut a reply in half nor reach the
  # next job the thread takes. A cancel that comes before its job starts
  # takes effect when the job enters Pool.cancellable.
  class Pool
    def initialize(max_threads)
      @max_threads = max_threads
      @jobs = Thread::Queue.new
      @lock = Mutex.new
      @threads = 0
      @busy = 0
      @running = {}
      @cancelled = {}
    end

    # Lets Pool#cancel interrupt the block.
    def self.cancellable(&block)
      Thread.handle_interrupt(Cancelled => :immediate, &block)
    end

    def post(key, &job)
      @jobs << [key, job]
      @lock.synchronize { grow_if_all_busy }
    end

    # Runs the job in the calling thread, cancellable like a posted one. The
    # caller must defer Cancelled (Thread.handle_interrupt(Cancelled => :never)).
    def run(key, &job)
      @lock.synchronize do
        @running[key] = Thread.current
        Thread.current.raise(Cancelled, "invocation #{key} was cancelled") if @cancelled.delete(key)
      end
      job.call
    rescue Exception => e
      STDERR.puts("steppe: job #{key} failed: #{e.class}: #{e.message}")
    ensure
      @lock.synchronize { @running.delete(key) }
      discard_late_cancel
    end

    # Only for a key whose job has been posted or is about to run.
    def cancel(key)
      @lock.synchronize do
        thread = @running[key]
        thread ? thread.raise(Cancelled, "invocation #{key} was cancelled") : @cancelled[key] = true
      end
    end

    private

    def grow_if_all_busy
      start_thread if @busy == @threads && !@jobs.empty? && @threads < @max_threads
    end

    def start_thread
      @threads += 1
      Thread.new do
        Thread.handle_interrupt(Cancelled => :never) do
          loop do
            key, job = @jobs.pop
            @lock.synchronize do
              @busy += 1
              grow_if_all_busy
            end
            run(key, &job)
            @lock.synchronize { @busy -= 1 }
          end
        end
      end
    end

    # A Cancelled raised just before the job left @running is still pending.
    def discard_late_cancel
      return unless Thread.pending_interrupt?

      Thread.handle_interrupt(Cancelled => :immediate) {}
    rescue Cancelled
      nil
    end
  end
end

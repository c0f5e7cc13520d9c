# frozen_string_literal: true

require 'minitest/autorun'
require_relative '../lib/steppe/pool'

class PoolTest < Minitest::Test
  def setup
    @pool = Steppe::Pool.new(4)
    @results = Thread::Queue.new
  end

  # A job as the runner writes one: cancellable while "the handler" runs.
  def post(key, pool: @pool, &handler)
    pool.post(key) do
      @results << [key, Steppe::Pool.cancellable(&handler)]
    rescue Steppe::Cancelled
      @results << [key, :cancelled]
    end
  end

  def test_cancel_raises_in_the_running_job
    started = Thread::Queue.new
    post(1) { started << true; sleep 10 }
    started.pop
    @pool.cancel(1)
    assert_equal [1, :cancelled], @results.pop
  end

  def test_a_cancel_before_the_job_starts_takes_effect_when_it_does
    @pool.cancel(2)
    post(2) { :ran }
    assert_equal [2, :cancelled], @results.pop
  end

  def test_a_late_cancel_never_reaches_the_next_job_on_the_thread
    pool = Steppe::Pool.new(1)
    finishing = Thread::Queue.new
    go_on = Thread::Queue.new
    pool.post(3) do
      finishing << true
      go_on.pop # outside cancellable: the cancel is deferred
      @results << [3, :done]
    end
    finishing.pop
    pool.cancel(3)
    go_on << true
    assert_equal [3, :done], @results.pop
    post(4, pool: pool) { sleep(0.05).then { :ran } }
    assert_equal [4, :ran], @results.pop
  end

  def test_jobs_that_block_get_threads_of_their_own
    gate = Thread::Queue.new
    3.times { |i| post(i) { gate.pop } }
    post(:free) { :ran }
    assert_equal [:free, :ran], @results.pop
    3.times { gate << true }
  end
end

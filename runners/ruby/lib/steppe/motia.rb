# frozen_string_literal: true

require_relative 'values'

# Motia 1.0's module-level capabilities in Ruby's idiom (Motia 1.0 has no Ruby;
# this mirrors motia-js `import { enqueue, logger, stateManager } from 'motia'`):
# Motia.enqueue(topic:, data:), Motia.state, Motia.logger, Motia.streams and
# Motia.context act for the invocation running on the calling thread. The
# runner runs each invocation on one thread, start to end (pool.rb), so the
# binding is a thread variable; threads a handler starts itself do not inherit it.
module Motia
  KEY = :steppe_motia_context

  module_function

  # The current invocation's context (a Steppe::FlowContext for a 1.0 call).
  def context(what = 'Motia.context')
    Thread.current.thread_variable_get(KEY) or
      raise "#{what} was called outside a step handler: the Motia module acts for the invocation " \
            'running on the calling thread'
  end

  def enqueue(*args, **kwargs) = context('Motia.enqueue').emit(*args, **kwargs)
  # In Motia 1.0's shapes whatever the step: set (and update) return
  # {'new_value' => ..., 'old_value' => ...}, delete the old value (a stream's: nil).
  def state = context('Motia.state').module_state
  def streams = context('Motia.streams').module_streams

  # Outside a handler (while a file loads) a line on stderr, reported as the file's output.
  def logger
    current = Thread.current.thread_variable_get(KEY)
    current ? current.logger : StderrLogger
  end

  class << self
    # Binds `context` to the calling thread while the block runs (the runner's job).
    def bind(context)
      previous = Thread.current.thread_variable_get(KEY)
      Thread.current.thread_variable_set(KEY, context)
      yield
    ensure
      Thread.current.thread_variable_set(KEY, previous)
    end
  end

  # logger.info('msg', fields) with no invocation to log for.
  module StderrLogger
    module_function

    %w[debug info warn error].each do |level|
      define_method(level) do |msg, fields = nil, **kwargs|
        fields = fields.is_a?(Hash) ? fields.merge(kwargs) : kwargs
        extra = fields.empty? ? '' : " #{Steppe::Values.plain(fields, &:to_s)}"
        STDERR.puts("[#{level}] #{msg}#{extra}")
      end
    end
  end
end

# frozen_string_literal: true

module Steppe
  # Raised when a frame from the orchestrator is not a well-formed message; the
  # rest of the stream cannot be trusted, so the runner stops.
  class ProtocolError < StandardError; end

  # Raised when a value cannot cross the protocol (JSON semantics). `path` says
  # where in the value the offending part sits.
  class SerializationError < StandardError
    def initialize(what, path = [])
      @what = what
      @path = path
      super(nil)
    end

    # The same error one level further out, so the message names the full path.
    def within(key)
      self.class.new(@what, [key, *@path]).tap { |e| e.set_backtrace(backtrace) if backtrace }
    end

    def message
      where = @path.map { |k| k.is_a?(Integer) ? "[#{k}]" : ".#{k}" }.join
      where.empty? ? "cannot serialise #{@what}" : "cannot serialise #{@what} at #{where.delete_prefix('.')}"
    end
  end

  # Raised when a file cannot be loaded; `error` is the protocol's error map.
  class LoadFailure < StandardError
    attr_reader :error

    def initialize(error)
      @error = error
      super(error['message'])
    end
  end

  # Raised inside a handler when the orchestrator answers a context call with an
  # error; `name` is the orchestrator's error name (e.g. ValidationError).
  class RemoteError < StandardError
    attr_reader :name

    def initialize(error)
      error = {} unless error.is_a?(Hash)
      @name = (error['name'] || 'RemoteError').to_s
      super((error['message'] || '').to_s)
    end
  end

  # Raised in an invocation's thread when the orchestrator cancels it. Not a
  # StandardError, so a handler's bare `rescue => e` does not swallow it.
  class Cancelled < Exception; end

  module Errors
    OWN_FILES = [File.join(__dir__, ''), File.expand_path('../../runner.rb', __dir__)].freeze

    module_function

    # The protocol's error map {name, message, stack, line} for an exception.
    # `line` is the first backtrace line in `path` (the step file), when known.
    def describe(error, path = nil)
      stack = user_frames(error.backtrace || [])
      info = { 'name' => error_name(error), 'message' => error.message.to_s,
               'stack' => stack.empty? ? nil : stack.join("\n") }
      line = path && line_in(error, stack, path)
      info['line'] = line if line
      info
    end

    def error_name(error)
      return error.name if error.is_a?(RemoteError)

      # Steppe::Cancelled and Steppe::SerializationError go out under their bare names.
      (error.class.name || error.class.ancestors.find(&:name).name).delete_prefix('Steppe::')
    end

    # The runner's own frames say nothing to the author of a step.
    def user_frames(backtrace)
      backtrace.reject { |frame| frame.start_with?(*OWN_FILES) }
    end

    # A SyntaxError names the line in its message ("path:3: syntax error"),
    # every other error in its backtrace.
    def line_in(error, stack, path)
      prefix = "#{path}:"
      text = error.is_a?(SyntaxError) ? [error.message, *stack] : stack
      text.each do |entry|
        entry.each_line do |l|
          return Regexp.last_match(1).to_i if l.start_with?(prefix) && l[prefix.size..] =~ /\A(\d+)/
        end
      end
      nil
    end
  end
end

# frozen_string_literal: true

require_relative 'context'

module Steppe
  # The context of a Motia 1.0 invocation (Motia's FlowContext, motia-js
  # src/new/build/utils.ts and motia-py types.py): the 0.17 context plus
  # `trigger`, `is_http?(input)`..., `get_data`, `match(http: ->(req) {...})`
  # and `enqueue`.
  class FlowContext < Context
    KINDS = %w[http queue cron state stream].freeze

    # The trigger that fired: {'type', 'index', 'path'/'method', 'topic', 'expression'}.
    attr_reader :trigger
    # What the handler was given (get_data and match read it).
    attr_accessor :input

    def initialize(iid, ctx, session, trigger)
      super(iid, ctx, session, v1: true)
      @trigger = trigger.freeze
      @input = nil
    end

    def [](key)
      case key.to_s
      when 'trigger' then trigger
      when 'enqueue' then method(:enqueue)
      else super
      end
    end

    def type = @trigger['type']

    # ctx.is_http?(input) (Motia's ctx.is.http(input)); the input may be left out.
    KINDS.each { |kind| define_method(:"is_#{kind}?") { |_input = nil| type == kind } }
    alias is_api? is_http?

    # The payload whatever the trigger: an http request's body, nil for cron, else the input.
    def get_data
      return if type == 'cron'
      return @input['request']['body'] if type == 'http' && @input.is_a?(Hash) && @input['request'].is_a?(Hash)

      @input
    end
    alias getData get_data

    # Calls the handler for this trigger's type with the input (a cron one with
    # nothing), else `default`; a RuntimeError naming the type and the handlers
    # given when none fits (Motia's utils.ts `match`).
    def match(handlers = {}, **more)
      handlers = handlers.merge(more).transform_keys(&:to_s)
      chosen = handlers[type] || (type == 'http' && handlers['api'])
      return type == 'cron' ? chosen.call : chosen.call(@input) if chosen
      return handlers['default'].call(@input) if handlers['default']

      available = handlers.keys.reject { |k| k == 'default' }.join(', ')
      raise "No handler matched for trigger type: #{type}. Available handlers: #{available}"
    end

    # Motia 1.0's name of emit.
    def enqueue(*args, **kwargs) = emit(*args, **kwargs)
  end
end

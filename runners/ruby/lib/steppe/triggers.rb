# frozen_string_literal: true

require_relative 'errors'
require_relative 'middleware'
require_relative 'values'

module Steppe
  # A Motia 1.0 step's `triggers:` (runners/README.md, "Motia 1.0 invocations";
  # Motia's motia-py runtime.py `_sanitize_trigger_metadata`): what the load
  # result reports (a condition is `true`, middleware their names, snake_case
  # keys in Motia's spelling) and the code taken out of them.
  module Triggers
    # Step-level keys Motia spells in camelCase.
    STEP_ALIASES = { 'virtual_enqueues' => 'virtualEnqueues', 'virtual_subscribes' => 'virtualSubscribes',
                     'include_files' => 'includeFiles' }.freeze

    # reported: the plain triggers; conditions: {'condition:<i>' => callable};
    # middleware: {index => [callables]}.
    Read = Struct.new(:reported, :conditions, :middleware)

    module_function

    def v1?(config) = (config.key?(:triggers) ? config[:triggers] : config['triggers']).is_a?(Array)

    # Raises LoadFailure naming the step and `triggers[i]` for a trigger that is
    # not a Hash or a condition that is not callable.
    def read(config, path, line)
      step = "step '#{config[:name] || config['name'] || '?'}'"
      read = Read.new([], {}, {})
      (config[:triggers] || config['triggers']).each_with_index do |trigger, index|
        where = "#{step}: triggers[#{index}]"
        raise LoadFailure, failure("#{where} is a #{trigger.class}, not a Hash", path, line) unless trigger.is_a?(Hash)

        read.reported << reported(trigger, index, read, where, path, line)
      end
      read
    end

    def reported(trigger, index, read, where, path, line)
      trigger = trigger.to_h { |key, value| [camel(key.to_s), value] }.compact
      condition = trigger.delete('condition')
      unless condition.nil? || condition.respond_to?(:call)
        raise LoadFailure, failure("#{where}.condition is a #{condition.class}, not a callable (input, ctx)", path, line)
      end

      middleware = Middleware.functions(trigger, path, line, where)
      trigger.delete('middleware')
      plain = Values.plain(trigger)
      plain['config'] = plain['config'].to_h { |k, v| [camel(k), v] } if plain['config'].is_a?(Hash)
      read.conditions["condition:#{index}"] = condition if condition
      plain['condition'] = true if condition
      read.middleware[index] = middleware if middleware && !middleware.empty?
      plain['middleware'] = Middleware.names(middleware) if middleware
      plain
    end

    def step_key(key) = STEP_ALIASES.fetch(key, key)

    def camel(key) = key.gsub(/_([a-z])/) { Regexp.last_match(1).upcase }

    def failure(message, path, line)
      { 'name' => 'ConfigError', 'message' => "#{path}: #{message}", 'stack' => nil, 'line' => line }
    end
  end
end

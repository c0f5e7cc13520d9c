# frozen_string_literal: true

require_relative 'errors'
require_relative 'middleware'
require_relative 'triggers'
require_relative 'values'

module Steppe
  # A step's or stream's `config`, checked to be a Hash and made plain data
  # (symbols become strings, keys and values; `middleware` callables their names).
  module Config
    module_function

    # [the plain config, the middleware callables, a 1.0 step's Triggers::Read
    # or nil] of the file evaluated into
    # `mod`; raises LoadFailure with a ConfigError or SerializationError. Found by
    # the runner after the file ran, so there is no stack of the author's to
    # show, only the line of `def config`.
    def read(mod, path)
      unless mod.method_defined?(:config) || mod.private_method_defined?(:config)
        raise LoadFailure, failure('ConfigError', "#{path} does not define `config`", nil)
      end

      line = mod.instance_method(:config).source_location&.last
      config = mod.__send__(:config)
      unless config.is_a?(Hash)
        raise LoadFailure, failure('ConfigError', "`config` in #{path} returns #{config.class}, not a Hash", line)
      end
      middleware = Middleware.functions(config, path, line)
      triggers = Triggers.read(config, path, line) if Triggers.v1?(config)
      plain = Values.plain(config.reject { |key, _| %w[middleware triggers].include?(key.to_s) })
      plain['middleware'] = Middleware.names(middleware) if middleware
      plain = plain.to_h { |key, value| [Triggers.step_key(key), value] } if triggers
      plain['triggers'] = triggers.reported if triggers
      [plain, middleware || [], triggers]
    rescue SerializationError => e
      raise LoadFailure, failure('SerializationError', "config of #{path}: #{e.message}", line)
    end

    def failure(name, message, line)
      { 'name' => name, 'message' => message, 'stack' => nil, 'line' => line }
    end
  end
end

# frozen_string_literal: true

require_relative 'errors'

module Steppe
  # API middleware, as Motia 0.17 composes it for Node and Python
  # (packages/core/src/node/middleware-compose.ts, python/motia_middleware.py at
  # v0.17.14-beta.196; Motia's Ruby runner has none): `middleware:` is an ordered
  # list of callables taking (req, ctx, nxt) -- lambdas, procs, `method(:auth)`.
  # The first is outermost; `nxt.call` runs the next one, the last the handler,
  # and returns its response. A middleware may answer without calling `nxt`,
  # change `req` first, or change the response. `nxt.call(other_req)` hands a
  # new request inward, to the handler too.
  module Middleware
    ANONYMOUS = '<anonymous>'

    module_function

    # The middleware callables of a config Hash (symbol or string key), nil when
    # it has none; raises LoadFailure naming the step, the field and the index
    # when an entry is not callable (`line`: that of `def config`).
    def functions(config, path, line, where = nil)
      list = config.key?(:middleware) ? config[:middleware] : config['middleware']
      return if list.nil?

      step = where || "step '#{config[:name] || config['name'] || '?'}'"
      raise LoadFailure, failure("#{step}: middleware must be a list of callables, not #{list.class}", path, line) unless list.is_a?(Array)

      list.each_with_index do |entry, index|
        next if entry.respond_to?(:call)

        raise LoadFailure, failure(
          "#{step}: middleware[#{index}] is not a function (a #{entry.class}); " \
          'each entry is a lambda, proc or method taking (req, ctx, nxt)', path, line
        )
      end
    end

    # What the config tells the orchestrator: a method's name, or <anonymous>.
    def names(functions)
      functions.map { |fn| fn.is_a?(Method) ? fn.name.to_s : ANONYMOUS }
    end

    # Calls `handler` with the request (through the block) with `functions` around it.
    def run(functions, request, context, &handler)
      layer = lambda do |index, req|
        next handler.call(req) if index == functions.size

        nxt = ->(replacement = nil) { layer.call(index + 1, replacement.nil? ? req : replacement) }
        functions[index].call(req, context, nxt)
      end
      layer.call(0, request)
    end

    def failure(message, path, line)
      { 'name' => 'ConfigError', 'message' => "#{path}: #{message}", 'stack' => nil, 'line' => line }
    end
  end
end

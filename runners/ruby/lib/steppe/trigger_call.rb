# frozen_string_literal: true

require_relative 'middleware'

module Steppe
  # Calling a Motia 1.0 step as Motia 1.0 does (motia-js src/new/build/utils.ts,
  # motia-py runtime.py), for an invoke that carries `trigger` (runners/README.md):
  # - http: input {'request' => {...}, 'response' => Response, and the request's
  #   fields at the top level}; the trigger's middleware runs around the handler
  #   as (args, ctx, nxt);
  # - queue: the data; state/stream: the change record; cron: nil;
  # - condition:<i>: (input, ctx), for http the plain request; answered as a boolean.
  module TriggerCall
    STREAMING = 'is not supported yet by Steppe: return { status:, body:, headers: } instead'

    # args['response']: status and headers set what is answered when the
    # handler returns nil; streamed bodies are not built.
    class Response
      def initialize
        @status = nil
        @headers = {}
      end

      def status(code)
        @status = Integer(code)
        nil
      end

      def headers(map)
        @headers.merge!(map)
        nil
      end

      def stream = raise(NotImplementedError, "response.stream (a streamed body) #{STREAMING}")
      def close = raise(NotImplementedError, "response.close (a streamed body) #{STREAMING}")

      def answer
        return if @status.nil? && @headers.empty?

        { 'status' => @status || 200, 'headers' => @headers, 'body' => nil }
      end
    end

    module_function

    def run(step, fn, function, raw, context)
      kind = context.type
      if fn.start_with?('condition:')
        context.input = kind == 'http' ? request(raw) : (kind == 'cron' ? nil : raw)
        return function.call_v1(kind, context.input, context) ? true : false
      end
      return call(function, kind, raw, context) unless kind == 'http'

      http(step, function, raw, context)
    end

    def call(function, kind, raw, context)
      context.input = kind == 'cron' ? nil : raw
      function.call_v1(kind, context.input, context)
    end

    def http(step, function, raw, context)
      req = request(raw)
      response = Response.new
      args = req.merge('request' => req, 'response' => response)
      context.input = args
      # Older 1.0 RCs put `middleware` at the config's root (HANDLER_MIGRATION_GUIDE.md).
      chain = step.trigger_middleware[context.trigger['index']] || step.middleware
      result = if !chain.empty?
                 Middleware.run(chain, args, context) { |a| function.call_v1('http', a, context) }
               else
                 function.call_v1('http', args, context)
               end
      result.nil? ? response.answer : result
    end

    # The request map: input['request'] as sent for a handler, or the input
    # itself (the plain request) as it may be sent for a condition.
    def request(raw)
      return {} unless raw.is_a?(Hash)

      raw['request'].is_a?(Hash) ? raw['request'] : raw
    end
  end
end

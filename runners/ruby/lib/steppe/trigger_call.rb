# frozen_string_literal: true

require_relative 'http_response'
require_relative 'middleware'
require_relative 'request_body'

module Steppe
  # Calling a Motia 1.0 step as Motia 1.0 does (motia-js src/new/build/utils.ts,
  # motia-py runtime.py), for an invoke that carries `trigger` (runners/README.md):
  # - http: input {'request' => {...}, 'response' => HttpResponse, and the request's
  #   fields at the top level}; the trigger's middleware runs around the handler
  #   as (args, ctx, nxt);
  # - queue: the data; state/stream: the change record; cron: nil;
  # - condition:<i>: (input, ctx), for http the plain request; answered as a boolean.
  module TriggerCall
    module_function

    def run(step, fn, function, params, context, session)
      kind = context.type
      raw = params['input']
      if fn.start_with?('condition:')
        context.input = kind == 'http' ? request(raw) : (kind == 'cron' ? nil : raw)
        return function.call_v1(kind, context.input, context) ? true : false
      end
      return call(function, kind, raw, context) unless kind == 'http'

      http(step, function, raw, context, HttpResponse.new(params['iid'], session))
    end

    def call(function, kind, raw, context)
      context.input = kind == 'cron' ? nil : raw
      function.call_v1(kind, context.input, context)
    end

    # A handler that streamed answers nil (its return value comes after the answer).
    def http(step, function, raw, context, response)
      sent = request(raw)
      req = sent.merge('requestBody' => RequestBody.new(sent['requestBody']))
      args = req.merge('request' => req, 'response' => response)
      context.input = args
      # Older 1.0 RCs put `middleware` at the config's root (HANDLER_MIGRATION_GUIDE.md).
      chain = step.trigger_middleware[context.trigger['index']] || step.middleware
      result = streaming(response) do
        if chain.empty?
          function.call_v1('http', args, context)
        else
          Middleware.run(chain, args, context) { |a| function.call_v1('http', a, context) }
        end
      end
      return if response.streamed?

      result.nil? ? response.answer : result
    end

    # Runs the handler with its response reachable by a cancel (HttpResponse.abort).
    def streaming(response)
      HttpResponse.track(response.iid, response)
      ok = false
      result = yield
      ok = true
      result
    ensure
      response.settle(ok)
      HttpResponse.track(response.iid, nil)
    end

    # The request map: input['request'] as sent for a handler, or the input
    # itself (the plain request) as it may be sent for a condition.
    def request(raw)
      return {} unless raw.is_a?(Hash)

      raw['request'].is_a?(Hash) ? raw['request'] : raw
    end
  end
end

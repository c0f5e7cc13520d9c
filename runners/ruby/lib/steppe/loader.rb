# frozen_string_literal: true

require_relative 'config'
require_relative 'errors'

module Steppe
  # Step and stream files. Each file is evaluated in its own anonymous module
  # that extends itself, so the file's top-level `def config`, `def handler`
  # and private helpers become that module's methods: two files defining the
  # same names do not collide, and loading a file again builds a new module
  # (hot reload).
  class Loader
    # The functions the protocol may call, and the Ruby names that define them.
    FUNCTIONS = {
      'handler' => %i[handler], 'canAccess' => %i[canAccess can_access],
      'onJoin' => %i[onJoin on_join], 'onLeave' => %i[onLeave on_leave] # a stream's, Motia 1.0
    }.freeze
    # Called with (subscription, context, auth_context), or as many as they name.
    HOOKS = %w[onJoin onLeave].freeze

    # `middleware`: the callables run around `handler` (middleware.rb).
    # `trigger_middleware`: a 1.0 step's, by the index of its http trigger.
    Step = Struct.new(:path, :config, :functions, :deps, :middleware, :trigger_middleware) do
      def handlers = functions.keys
    end

    # A handler called with as much of (input, context) as it takes: cron
    # handlers are written handler(context), sometimes handler(input, context).
    class Function
      def initialize(method, cron:)
        params = method.parameters
        @method = method
        @cron = cron
        @rest = params.any? { |type, _| type == :rest }
        @required = params.count { |type, _| type == :req }
        @max = @required + params.count { |type, _| type == :opt }
      end

      def call(input_given, input, context)
        @method.call(*arguments(input_given, input, context))
      end

      # A Motia 1.0 call (trigger_call.rb): (input, context); a one-parameter
      # function gets the input alone, a one-parameter cron handler the context.
      def call_v1(kind, input, context)
        args = @rest || @max >= 2 ? [input, context] : [kind == 'cron' ? context : input]
        @method.call(*args.first(@rest ? 2 : @max))
      end

      # A stream's canAccess takes Motia's (subscription, auth_context), or as many as it names.
      def call_access(subscription, auth_context)
        call_leading([subscription, auth_context])
      end

      # Motia 1.0's stream hooks: onJoin/onLeave(subscription, context, auth_context).
      def call_hook(subscription, context, auth_context)
        call_leading([subscription, context, auth_context])
      end

      private

      def call_leading(args)
        @method.call(*(@rest ? args : args.first(@max)))
      end

      def arguments(input_given, input, context)
        return input_given ? [input, context] : [context] if @rest

        case @max
        when 0 then []
        when 1 then [input_given && !@cron ? input : context]
        else input_given || @required >= 2 ? [input, context] : [context]
        end
      end
    end

    def initialize(project_root)
      @root = "#{File.realpath(project_root)}/"
      @steps = {}
    end

    def [](path) = @steps[path]

    def unload(path)
      forget_deps(path)
      @steps.delete(path)
    end

    # Evaluates the file afresh and returns its Step, or raises LoadFailure.
    def load(path)
      forget_deps(path)
      before = $LOADED_FEATURES.dup
      mod = evaluate(path)
      config, middleware, triggers = Config.read(mod, path)
      deps = ($LOADED_FEATURES - before).select { |feature| feature.start_with?(@root) }
      cron = config['type'] == 'cron'
      functions = FUNCTIONS.filter_map do |name, candidates|
        found = candidates.find { |m| mod.method_defined?(m) || mod.private_method_defined?(m) }
        [name, Function.new(mod.method(found), cron: cron)] if found
      end
      functions = functions.to_h
      triggers&.conditions&.each { |name, callable| functions[name] = Function.new(callable, cron: false) }
      @steps[path] = Step.new(path, config, functions, deps, middleware, triggers&.middleware || {})
    rescue LoadFailure
      raise
    rescue Exception => e
      raise LoadFailure, Errors.describe(e, path)
    end

    private

    # Project files the last load of `path` required are required afresh next
    # time, so an edited helper takes effect on reload (and is reported again).
    def forget_deps(path)
      @steps[path]&.deps&.each { |feature| $LOADED_FEATURES.delete(feature) }
    end

    def evaluate(path)
      source = File.read(path)
      mod = Module.new
      mod.extend(mod)
      label = "#<step #{path}>"
      mod.define_singleton_method(:inspect) { label }
      mod.define_singleton_method(:to_s) { label }
      # The file name and line 1 make backtraces and __FILE__/__dir__ name the file.
      mod.module_eval(source, path, 1)
      mod
    end
  end
end

# frozen_string_literal: true

require_relative 'context'
require_relative 'errors'
require_relative 'flow_context'
require_relative 'framing/reader'
require_relative 'framing/writer'
require_relative 'loader'
require_relative 'middleware'
require_relative 'motia'
require_relative 'pool'
require_relative 'session'
require_relative 'stdio'
require_relative 'trigger_call'
require_relative 'values'

module Steppe
  # The Ruby runner (runners/README.md): serves load, unload, invoke, ping and
  # shutdown from the orchestrator, routes the answers to context calls, and
  # exits when stdin closes.
  class Runner
    # Libraries the seed's Ruby steps use without requiring them
    # (SecureRandom.uuid, Time#iso8601), and json, which most steps want.
    PRELOADED = %w[json securerandom time date set].freeze
    MAX_THREADS = 256
    # The methods whose parameters are a map naming a file.
    FILE_METHODS = %w[invoke load unload].freeze
    METHODS = [*FILE_METHODS, 'ping', 'shutdown'].freeze
    # Seconds between checks that the orchestrator that started the runner is still its parent.
    PARENT_CHECK_SECONDS = 1
    # The protocol version this runner speaks, from the schema shipped with it (runners/ and
    # schemas/ sit side by side in the repository and in the installed package).
    PROTOCOL_SCHEMA = File.expand_path('../../../../schemas/protocol.schema.json', __dir__)

    def initialize(project)
      @project = File.realpath(project)
      @input, output = Stdio.take_protocol_channel
      @writer = Framing::Writer.new(output)
      @reader = Framing::Reader.new(@input, on_end: method(:stop)) { |messages| take(messages) }
      @session = Session.new(@writer, before_wait: @reader.method(:release_turn))
      @loader = Loader.new(@project)
      @loads = Thread::Queue.new
      @pool = Pool.new(MAX_THREADS)
      @in_flight = {}
      @in_flight_lock = Mutex.new
      @all_answered = ConditionVariable.new
      @stopping = false
    end

    def run
      exit_with_parent
      Stdio.capture_output(@session)
      $LOAD_PATH.unshift(@project, File.join(@project, 'lib'))
      PRELOADED.each { |lib| require lib }
      start_load_thread
      @writer.note('ready', 'language' => 'ruby', 'pid' => Process.pid,
                            'runtime' => "ruby #{RUBY_VERSION}p#{RUBY_PATCHLEVEL}#{' +YJIT' if yjit?}",
                            'protocol' => JSON.parse(File.read(PROTOCOL_SCHEMA))['protocolVersion'])
      @reader.run
    end

    private

    def yjit? = defined?(RubyVM::YJIT) && RubyVM::YJIT.enabled?

    # Exits once the orchestrator is gone even if stdin cannot tell (the
    # reading thread is stuck): the orphan is adopted (by init or a subreaper),
    # so its parent pid changes. A thread of its own, which busy handler
    # threads delay by a time slice at most.
    def exit_with_parent
      parent = Process.ppid
      Thread.new do
        sleep PARENT_CHECK_SECONDS while Process.ppid == parent
        orphaned
      end
    end

    # The orchestrator is gone. A runner leading its own process group (the
    # orchestrator starts it so) kills the group, itself included: what its
    # steps forked goes too, as it would have under the orchestrator.
    def orphaned
      Process.kill(:KILL, 0) if Process.getpgrp == Process.pid
      exit!(0)
    end

    # stdin closed (the orchestrator is gone, nobody is left to answer) or it
    # sent a frame length over the maximum (the rest of its stream cannot be trusted).
    def stop(error)
      orphaned unless error
      STDERR.puts("steppe: #{error.class}: #{error.message}")
      exit!(1)
    end

    # Dispatches one chunk's messages in order. The last invocation among them
    # is returned, for the reading thread to run itself (see Framing::Reader).
    def take(messages)
      last = messages.rindex { |m| m.is_a?(Hash) && m['t'] == 'req' && m['m'] == 'invoke' }
      inline = nil
      messages.each_with_index do |message, index|
        if index == last
          job = serve(message['id'], 'invoke', message['p'])
          inline = job && -> { @pool.run(message['p']['iid'], &job) }
        else
          dispatch(message)
        end
      end
      inline
    end

    def dispatch(message)
      return bad_frame(message) if message.is_a?(Framing::BadFrame)

      case message['t']
      when 'req'
        job = serve(message['id'], message['m'], message['p'])
        @pool.post(message['p']['iid'], &job) if job
      when 'res' then @session.settle(message)
      when 'note' then cancel(message['p']['iid']) if message['m'] == 'cancel' && message['p'].is_a?(Hash)
      end
    end

    # A frame skipped: a request is answered BadFrame; an answer to a context call fails that call.
    def bad_frame(bad)
      if bad.head['t'] == 'res' && bad.head['id'].is_a?(Integer)
        message = "the ruby runner could not decode the answer: #{bad.reason}"
        @session.settle('id' => bad.head['id'], 'ok' => false, 'e' => { 'name' => 'BadFrame', 'message' => message })
      else
        Framing.refuse(@writer, bad, 'ruby runner')
      end
    end

    # Answers the request; for an invocation, returns the job that will.
    def serve(id, method, params)
      refused = refusal(method, params)
      return accept(id, params) if !refused && method == 'invoke'

      if refused then @writer.error(id, refused)
      elsif method == 'ping' then @writer.response(id, params)
      elsif method == 'shutdown' then shutdown(id)
      else @loads << [id, method, params]
      end
      nil
    end

    # Why a request is not served, checked in this order (runners/README.md, "Errors").
    def refusal(method, params)
      return if method == 'ping'

      if @stopping
        { 'name' => 'ShuttingDown', 'message' => "the ruby runner is shutting down; #{method} refused",
          'retryable' => true }
      elsif !METHODS.include?(method)
        { 'name' => 'UnknownMethod', 'message' => "the ruby runner has no method #{method.inspect}" }
      elsif FILE_METHODS.include?(method) && !(params.is_a?(Hash) && params['path'].is_a?(String))
        { 'name' => 'InvalidParams', 'message' => "#{method} takes a map with a path" }
      end
    end

    # Registers an invocation as in flight and returns the job that answers it.
    def accept(id, params)
      iid = params['iid']
      @in_flight_lock.synchronize { @in_flight[iid] = true }
      lambda do
        @writer.write(invocation(id, params))
      ensure
        @in_flight_lock.synchronize do
          @in_flight.delete(iid)
          @all_answered.broadcast if @in_flight.empty?
        end
      end
    end

    # Under the lock, so a cancel never reaches an invocation already answered.
    def cancel(iid)
      @in_flight_lock.synchronize do
        next unless @in_flight.key?(iid)

        HttpResponse.abort(iid) # its writes fail from now on
        @pool.cancel(iid)
      end
    end

    # The response frame of one invocation.
    def invocation(id, params)
      step = @loader[params['path']]
      return error_frame(id, 'NotLoaded', "#{params['path']} is not loaded in the ruby runner") unless step

      fn = params['fn'] || 'handler'
      function = step.functions[fn]
      return error_frame(id, 'NoSuchFunction', "#{step.path} defines no function #{fn.inspect}") unless function

      context = context_for(params, fn)
      result = Pool.cancellable do
        Stdio.tagged(@session, 'iid' => params['iid']) { Motia.bind(context) { call(step, fn, function, params, context) } }
      end
      result_frame(id, result, "#{fn} in #{step.path}")
    rescue Exception => e
      { 't' => 'res', 'id' => id, 'ok' => false, 'e' => Errors.describe(e, step&.path) }
    end

    # A Motia 1.0 call (params carry `trigger`) gets a FlowContext.
    def context_for(params, fn)
      trigger = params['trigger']
      ctx = params['ctx'] || {}
      return FlowContext.new(params['iid'], ctx, @session, trigger) if trigger.is_a?(Hash) && fn != 'canAccess'

      Context.new(params['iid'], ctx, @session)
    end

    def call(step, fn, function, params, context)
      if fn == 'canAccess'
        access = params['input'] || {}
        function.call_access(access['subscription'], access['authContext'])
      elsif Loader::HOOKS.include?(fn)
        hook = params['input'] || {}
        function.call_hook(hook['subscription'], context, hook['authContext'])
      elsif context.is_a?(FlowContext)
        TriggerCall.run(step, fn, function, params, context, @session)
      elsif params.key?('input') && !step.middleware.empty? # an API step's
        Middleware.run(step.middleware, params['input'], context) { |req| function.call(true, req, context) }
      else
        function.call(params.key?('input'), params['input'], context)
      end
    end

    def result_frame(id, result, what)
      { 't' => 'res', 'id' => id, 'ok' => true, 'r' => Values.plain(result) }
    rescue SerializationError => e
      error_frame(id, 'SerializationError', "the value returned by #{what}: #{e.message}")
    end

    def error_frame(id, name, message)
      { 't' => 'res', 'id' => id, 'ok' => false, 'e' => { 'name' => name, 'message' => message } }
    end

    # Loads run one at a time, in order, off the reading threads: a slow file
    # must not hold up the answers that in-flight handlers wait for, and
    # $LOADED_FEATURES tells a file's dependencies only if nothing else loads
    # at the same time.
    def start_load_thread
      Thread.new do
        loop do
          id, method, params = @loads.pop
          method == 'load' ? load_file(id, params['path']) : unload_file(id, params['path'])
        end
      end
    end

    def load_file(id, path)
      step = Stdio.tagged(@session, 'path' => path) { @loader.load(path) }
      @writer.response(id, 'config' => step.config, 'handlers' => step.handlers, 'deps' => step.deps)
    rescue LoadFailure => e
      @writer.error(id, e.error)
    end

    def unload_file(id, path)
      @loader.unload(path)
      @writer.response(id, nil)
    end

    # Answers once in-flight invocations have finished, then exits 0. Reading
    # goes on meanwhile: those invocations may be waiting for answers to their
    # context calls.
    def shutdown(id)
      @stopping = true
      Thread.new do
        @in_flight_lock.synchronize { @all_answered.wait(@in_flight_lock) until @in_flight.empty? }
        @writer.response(id, nil)
        @writer.flush
        exit!(0)
      end
    end
  end
end

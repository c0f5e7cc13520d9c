# frozen_string_literal: true

require 'json'
require 'minitest/autorun'
require_relative 'support/fake_orchestrator'

# One runner serves every test here, as the orchestrator would use it; the
# test answers its context calls from an in-memory store.
class RunnerTest < Minitest::Test
  PROJECT = File.expand_path('fixtures/project', __dir__)
  STEPS = File.join(PROJECT, 'steps')
  CTX = { 'traceId' => 'trace-1', 'step' => 'S', 'flows' => ['flow-a'] }.freeze

  @lock = Mutex.new
  class << self
    attr_reader :lock

    # Context calls are answered from here; state.get on group 'slow' answers late.
    def store = @store ||= {}

    def runner
      @lock.synchronize do
        @runner ||= FakeOrchestrator.new(PROJECT) { |method, params| answer(method, params) }.tap do |o|
          o.wait_ready
          Minitest.after_run { o.kill }
        end
      end
    end

    def answer(method, params)
      key = [params['group'], params['key']]
      case method
      when 'state.get'
        sleep 0.3 if params['group'] == 'slow'
        [true, @lock.synchronize { store[key] }]
      when 'state.set' then [true, @lock.synchronize { store[key] = params['value'] }]
      when 'state.getGroup' then [true, @lock.synchronize { store.select { |(g, _), _| g == params['group'] }.values }]
      when 'emit'
        return [false, { 'name' => 'ValidationError', 'message' => "topic #{params['topic']} is not declared" }] if params['topic'] == 'undeclared'

        [true, nil]
      when 'streams.set' then [true, params['data']]
      when 'response.write'
        # Invocation 1004's client leaves at its fourth chunk (v1_streamed_test.rb).
        return [true, nil] unless params['iid'] == 1004 && params['data'] == "tick 3\n"

        [false, { 'name' => 'StreamClosed', 'message' => 'the client disconnected' }]
      else [true, nil]
      end
    end
  end

  # The helpers V1Test shares: one runner, loading and invoking fixture steps.
  module Calls
    def runner = RunnerTest.runner
    def step(name) = File.join(STEPS, "#{name}.step.rb")

    def loaded(name)
      response = runner.load(step(name))
      assert response['ok'], -> { response.inspect }
      response['r']
    end

    def invoke(iid, name, **options)
      loaded(name)
      runner.response(runner.invoke(iid, step(name), ctx: CTX, **options))
    end

    # The calls the runner has made for invocation `iid` so far.
    def calls_of(iid)
      all = []
      all << runner.calls.pop until runner.calls.empty?
      all.each { |c| runner.calls << c unless c['p']['iid'] == iid }
      all.select { |c| c['p']['iid'] == iid }
    end

    def logs_of(iid, until_msg: nil)
      notes = []
      deadline = Time.now + 3
      loop do
        notes.concat(runner.drain_notes(quiet: 0.05).select { |n| n['m'] == 'log' && n['p']['iid'] == iid })
        break if until_msg.nil? || notes.any? { |n| n['p']['msg'] == until_msg } || Time.now > deadline
      end
      notes.map { |n| n['p'] }
    end
  end
  include Calls

  def test_ready_names_the_language_and_process
    assert_equal 'ruby', runner.ready['language']
    assert_equal runner.pid, runner.ready['pid']
    assert_match(/\Aruby 3\./, runner.ready['runtime'])
    schema = JSON.parse(File.read(File.expand_path('../../../schemas/protocol.schema.json', __dir__)))
    assert_equal schema['protocolVersion'], runner.ready['protocol']
  end

  # Nesting past what Ruby's msgpack decoder takes ("stack level too deep") once made the
  # runner exit; the frame's length lets it skip exactly that frame, its head gives the id.
  def test_a_request_it_cannot_decode_is_answered_bad_frame_and_serving_goes_on
    body = "\x84\xa1t\xa3req\xa2id\x2a\xa1m\xa4ping\xa1p#{"\x91" * 200}\x01".b
    runner.send_bytes([body.bytesize].pack('N') + body)
    error = runner.response(42)['e']
    assert_equal 'BadFrame', error['name']
    assert_match(/request 42 \(ping\).*stack level too deep/, error['message'])
    assert_equal 'still here', runner.request('ping', 'still here')['r']
    assert_nil runner.wait_exit(timeout: 0.1)&.exitstatus
  end

  def test_the_seed_report_step_loads_with_plain_config
    result = loaded('generate_report')
    assert_equal({ 'type' => 'event', 'name' => 'GenerateReport', 'subscribes' => ['analytics.generated'],
                   'emits' => ['report.generated'],
                   'input' => { 'totalOrders' => 'number', 'weeklyOrders' => 'number', 'topProducts' => 'object' } },
                 result['config'])
    assert_equal ['handler'], result['handlers']
    assert_equal [], result['deps']
  end

  def test_the_seed_report_step_runs_unchanged
    input = { 'totalOrders' => 10, 'weeklyOrders' => 4, 'averageOrderValue' => 12.5, 'topProducts' => { 'p1' => 3 } }
    response = invoke(101, 'generate_report', input: input)
    assert response['ok'], -> { response.inspect }
    set, emit = calls_of(101)
    assert_equal 'state.set', set['m']
    assert_equal 'reports', set['p']['group']
    report = set['p']['value']
    assert_equal set['p']['key'], report['id']
    assert_match(/Total Orders,10/, report['csv_data'])
    assert_match(%r{<p>Weekly Orders: 4</p>}, report['html_report'])
    assert_equal({ 'iid' => 101, 'topic' => 'report.generated', 'data' => report }, emit['p'])
    logs = logs_of(101, until_msg: 'Report generated successfully')
    done = logs.find { |l| l['msg'] == 'Report generated successfully' }
    assert_equal({ 'report_id' => report['id'] }, done['fields'])
    assert_equal 'logger', done['source']
  end

  def test_two_files_with_the_same_method_names_do_not_collide
    a = invoke(102, 'twin_a', input: { 'n' => 1 })
    b = invoke(103, 'twin_b', input: { 'n' => 2 })
    assert_equal 'A saw 1', a['r']
    assert_equal 'B saw 2', b['r']
    assert_equal 'A saw 3', runner.response(runner.invoke(104, step('twin_a'), input: { 'n' => 3 }))['r']
  end

  def test_a_cron_handler_gets_the_context_alone
    response = invoke(105, 'tick')
    assert_equal({ 'count' => 1, 'trace' => 'trace-1', 'flows' => ['flow-a'] }, response['r'])
    assert_equal(%w[state.get state.set emit], calls_of(105).map { |c| c['m'] })
  end

  def test_every_context_call_carries_the_iid
    response = invoke(106, 'context', input: { 'user' => 'ann' })
    assert response['ok'], -> { response.inspect }
    calls = calls_of(106)
    assert_equal %w[emit emit emit emit state.set state.get state.getGroup state.getGroup state.delete state.clear
                    streams.set streams.get streams.getGroup streams.delete streams.send], calls.map { |c| c['m'] }
    assert(calls.all? { |c| c['p']['iid'] == 106 })
    assert_equal [{ 'topic' => 'a', 'data' => { 'n' => 1 } },
                  { 'topic' => 'b', 'data' => { 'n' => 2 }, 'idempotencyKey' => 'k-2' },
                  { 'topic' => 'c', 'data' => { 'n' => 3 } },
                  { 'topic' => 'd', 'data' => { 'n' => 4 }, 'messageGroupId' => 'g' }],
                 calls.first(4).map { |c| c['p'].reject { |k, _| k == 'iid' } }
    assert_equal({ 'iid' => 106, 'group' => 'orders:eu/1', 'key' => 'a:b/c', 'value' => { 'total' => 5, 'tags' => ['x'] } },
                 calls[4]['p'])
    assert_equal({ 'iid' => 106, 'stream' => 'chat-messages', 'groupId' => 'room', 'id' => 'm1', 'data' => { 'text' => 'hi' } },
                 calls[10]['p'])
    assert_equal 'chatMessages', calls[11]['p']['stream']
    assert_equal({ 'iid' => 106, 'stream' => 'chat', 'channel' => { 'groupId' => 'room' },
                   'event' => { 'type' => 'typing', 'data' => { 'who' => 'ann' } } }, calls[14]['p'])
    result = response['r']
    assert_equal({ 'total' => 5, 'tags' => ['x'] }, result['stored'])
    assert_equal result['stored'], result['got']
    assert_equal ['trace-1'] * 2, [result['trace'], result['traceId']]
    assert_equal ['flow-a'], result['flows']
    logs = logs_of(106, until_msg: 'plain')
    assert_equal({ 'level' => 'info', 'msg' => 'starting', 'iid' => 106, 'source' => 'logger',
                   'fields' => { 'step' => 1, 'user' => 'ann', 'error' => 'just text' } },
                 logs.find { |l| l['msg'] == 'starting' })
    assert_equal 'debug', logs.find { |l| l['msg'] == 'plain' }['level']
  end

  def test_an_error_answer_raises_in_the_handler_with_its_name
    assert_equal({ 'rescued' => 'ValidationError', 'message' => 'topic undeclared is not declared' },
                 invoke(107, 'remote_error', input: {})['r'])
  end

  def test_printed_text_becomes_log_notes_and_never_reaches_the_protocol
    response = invoke(108, 'chatty', input: { 'who' => 'bob' })
    assert_equal 'done', response['r']
    logs = logs_of(108, until_msg: 'a warning').map { |l| [l['level'], l['source'], l['msg']] }
    assert_equal [%w[info stdout hello\ bob], ['info', 'stdout', 'piece by piece'], ['info', 'stdout', '{"pp"=>1}'],
                  %w[error stderr to\ stderr], ['error', 'stderr', 'a warning']], logs
    assert_equal 'pong', runner.request('ping', 'pong')['r']
    sleep 0.05
    assert_includes runner.stderr_text_so_far, 'raw fd 1'
  end

  def test_text_printed_while_loading_names_the_file
    loaded('chatty')
    note = runner.drain_notes(quiet: 0.1).map { |n| n['p'] }.find { |p| p['msg'] == 'loading chatty' }
    assert_equal({ 'path' => step('chatty'), 'level' => 'info', 'msg' => 'loading chatty', 'source' => 'stdout' }, note)
  end

  def test_an_exception_answers_with_name_message_stack_and_line
    error = invoke(109, 'boom', input: {})['e']
    assert_equal 'ArgumentError', error['name']
    assert_equal 'kaboom', error['message']
    assert_equal 12, error['line']
    assert_match(/boom\.step\.rb:12:in `explode'/, error['stack'])
    refute_match(%r{lib/steppe}, error['stack'])
  end

  def test_time_date_and_symbols_become_strings
    assert_equal({ 'status' => 200, 'body' => { 'at' => '2024-05-06T07:08:09.000Z', 'day' => '2024-05-06',
                                                'kind' => 'symbolic', 'tags' => %w[a b] } },
                 invoke(110, 'times', input: {})['r'])
  end

  def test_an_unserialisable_return_value_says_what_and_where
    error = invoke(111, 'unserialisable', input: {})['e']
    assert_equal 'SerializationError', error['name']
    assert_match(/a Proc at body\.callback/, error['message'])
  end

  def test_a_project_helper_from_lib_is_required_and_reported_as_a_dep
    result = loaded('greeter')
    assert_equal [File.join(PROJECT, 'lib', 'greeting.rb')], result['deps']
    assert_equal 'Hello, Ann!', runner.response(runner.invoke(112, step('greeter'), input: { 'name' => 'Ann' }))['r']
  end

  def test_can_access_is_listed_and_invoked_by_fn
    assert_equal %w[handler canAccess], loaded('guarded')['handlers']
    access = ->(user) { { 'subscription' => { 'groupId' => 'g' }, 'authContext' => { 'user' => user } } }
    assert_equal true, runner.response(runner.invoke(113, step('guarded'), fn: 'canAccess', input: access.('admin')))['r']
    assert_equal false, runner.response(runner.invoke(114, step('guarded'), fn: 'canAccess', input: access.('eve')))['r']
    assert_equal 'NoSuchFunction', invoke(115, 'twin_a', fn: 'canAccess', input: {})['e']['name']
  end

  def test_a_stream_file_loads_its_config
    response = runner.load(File.join(PROJECT, 'streams', 'chat.stream.rb'), 'stream')
    assert_equal({ 'storageType' => 'default' }, response['r']['config']['baseConfig'])
    assert_equal [], response['r']['handlers']
  end

  def test_a_stream_can_access_gets_the_subscription_and_auth_context_it_names
    path = File.join(PROJECT, 'streams', 'room.stream.rb')
    assert_equal ['canAccess'], runner.load(path, 'stream')['r']['handlers']
    ask = lambda do |iid, group|
      input = { 'subscription' => { 'groupId' => group }, 'authContext' => { 'token' => 't' } }
      runner.response(runner.invoke(iid, path, fn: 'canAccess', input: input))
    end
    assert_equal true, ask.(116, 'public-1')['r']
    assert_equal false, ask.(117, 'private-1')['r']
  end

  def assert_load_error(name, error_name, line)
    response = runner.load(step(name))
    refute response['ok']
    error = response['e']
    assert_equal error_name, error['name'], error.inspect
    line ? assert_equal(line, error['line'], error.inspect) : assert_nil(error['line'], error.inspect)
    assert error.key?('stack')
    error
  end

  def test_load_failures_name_the_file_and_line
    assert_match(/broken\.step\.rb:6: syntax error/, assert_load_error('broken', 'SyntaxError', 6)['message'])
    assert_match(/no_such_library_anywhere/, assert_load_error('missing_gem', 'LoadError', 2)['message'])
    assert_match(/undefined_thing_at_load/, assert_load_error('name_error', 'NameError', 3)['message'])
    assert_match(/no_config\.step\.rb does not define `config`/, assert_load_error('no_config', 'ConfigError', nil)['message'])
    assert_match(/returns Array, not a Hash/, assert_load_error('list_config', 'ConfigError', 1)['message'])
  end

  # Sent one by one, each invocation starts on the thread that read it; sent
  # in one write, all but the last go to the pool. Both must overlap.
  def test_invocations_run_concurrently
    loaded('slow')
    params = ->(iid) { { 'iid' => iid, 'path' => step('slow'), 'ctx' => CTX, 'input' => { 'key' => "k#{iid}", 'sleep' => 0.2 } } }
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    ids = (200...212).map { |iid| runner.send_request('invoke', params.call(iid)) }
    ids += runner.send_requests((212...224).map { |iid| ['invoke', params.call(iid)] })
    ids.each { |id| assert runner.response(id)['ok'] }
    elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
    assert_operator elapsed, :<, 2.0, '24 invocations of 0.5 s each should overlap'
  end

  # A lone invocation runs on the thread that read it, holding the reading
  # turn; one that blocks without a context call must pass the turn on soon
  # (framing/reader.rb's watchdog), or requests and cancels wait for it.
  def test_a_handler_blocking_without_context_calls_holds_up_no_request
    loaded('sleepy')
    sleeping = runner.invoke(310, step('sleepy'), input: { 'sleep' => 30 })
    sleep 0.1 # into the sleep
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_equal 'pong', runner.request('ping', 'pong')['r']
    second = runner.invoke(311, step('sleepy'), input: { 'sleep' => 0.05 })
    assert_equal 0.05, runner.response(second, timeout: 2)['r']
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.0
    runner.send_frame('t' => 'note', 'm' => 'cancel', 'p' => { 'iid' => 310 })
    assert_equal 'Cancelled', runner.response(sleeping, timeout: 2)['e']['name']
  end

  def test_a_cancelled_invocation_stops
    loaded('slow')
    id = runner.invoke(300, step('slow'), input: { 'key' => 'x', 'sleep' => 30 })
    sleep 0.5 # past the late state.get answer, into the sleep
    runner.send_frame('t' => 'note', 'm' => 'cancel', 'p' => { 'iid' => 300 })
    error = runner.response(id, timeout: 2)['e']
    assert_equal 'Cancelled', error['name']
    assert_equal 'pong', runner.request('ping', 'pong')['r']
  end

  def test_unknown_paths_methods_and_params_are_errors_not_crashes
    assert_equal 'NotLoaded', runner.response(runner.invoke(400, '/nowhere.step.rb', input: {}))['e']['name']
    assert_equal 'UnknownMethod', runner.request('frobnicate', {})['e']['name']
    assert_equal 'InvalidParams', runner.request('invoke', [1])['e']['name']
    assert_equal({ 'any' => [1, 'thing'] }, runner.request('ping', { 'any' => [1, 'thing'] })['r'])
  end

  def test_unload_forgets_a_file
    loaded('twin_b')
    assert_nil runner.request('unload', { 'path' => step('twin_b') })['r']
    assert_equal 'NotLoaded', runner.response(runner.invoke(401, step('twin_b'), input: {}))['e']['name']
  end

  # Middleware (lib/steppe/middleware.rb), composed as Motia 0.17 does for Node and Python
  # (packages/core/src/node/middleware-compose.ts at v0.17.14-beta.196).
  def test_middleware_is_named_and_runs_first_to_last_around_the_handler
    assert_equal %w[auth <anonymous> <anonymous>], loaded('middleware_chain')['config']['middleware']
    response = invoke(501, 'middleware_chain', input: { 'body' => {}, 'headers' => { 'auth' => 'yes' } })
    assert_equal({ 'status' => 200, 'body' => { 'seen' => %w[auth inner], 'swapped' => true },
                   'headers' => { 'x-auth' => 'trace-1' } }, response['r'])
    assert_equal(['state.set'], calls_of(501).map { |c| c['m'] })
  end

  def test_a_middleware_answers_without_the_handler_and_errors_pass_through
    refused = invoke(502, 'middleware_chain', input: { 'body' => {}, 'headers' => {} })
    assert_equal({ 'status' => 401, 'body' => { 'error' => 'no auth' } }, refused['r'])
    assert_empty calls_of(502)
    failed = invoke(503, 'middleware_chain', input: { 'body' => { 'fail' => true }, 'headers' => { 'auth' => 'yes' } })
    assert_equal %w[ArgumentError handler\ failed], [failed['e']['name'], failed['e']['message']]
  end

  def test_a_middleware_entry_that_is_not_callable_refuses_the_file
    error = runner.load(step('bad_middleware'))['e']
    assert_equal 'ConfigError', error['name']
    assert_includes error['message'], "step 'Bad': middleware[1] is not a function (a Symbol)"
    assert_equal 1, error['line']
  end
end

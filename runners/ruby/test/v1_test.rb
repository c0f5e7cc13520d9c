# frozen_string_literal: true

require 'minitest/autorun'
require 'tmpdir'
require_relative 'runner_test'

# Motia 1.0 step files in the Ruby runner: the reported config, condition:<i>,
# the calls an invoke with `trigger` makes, FlowContext and the Motia module
# (runners/README.md; Motia's motia-js src/new/build/utils.ts and motia-py runtime.py).
class V1Test < Minitest::Test
  HTTP = { 'type' => 'http', 'index' => 0, 'method' => 'POST', 'path' => '/orders/:id' }.freeze
  QUEUE = { 'type' => 'queue', 'index' => 1, 'topic' => 'order.created' }.freeze
  REQUEST = { 'pathParams' => { 'id' => '7' }, 'queryParams' => {}, 'body' => { 'verified' => true },
              'headers' => { 'x-token' => 'ok' }, 'method' => 'POST' }.freeze

  include RunnerTest::Calls

  def test_the_reported_config_of_a_1_0_step
    loaded = runner.load(step('v1_orders'))
    assert loaded['ok'], -> { loaded.inspect }
    config = loaded['r']['config']
    assert_equal [
      { 'type' => 'http', 'method' => 'POST', 'path' => '/orders/:id', 'bodySchema' => { 'type' => 'object' },
        'condition' => true, 'middleware' => ['auth'] },
      { 'type' => 'queue', 'topic' => 'order.created', 'condition' => true },
      { 'type' => 'cron', 'expression' => '0 * * * *' }
    ], config['triggers']
    assert_equal ['audit'], config['virtualEnqueues']
    assert_equal %w[handler condition:0 condition:1], loaded['r']['handlers']
    stream = runner.load(step('v1_calls'))['r']['config']['triggers'][3]
    assert_equal({ 'type' => 'stream', 'streamName' => 'todos', 'groupId' => 'inbox' }, stream)
  end

  def test_http_call_with_middleware_match_and_the_module
    response = invoke(901, 'v1_orders', input: { 'request' => REQUEST }, trigger: HTTP)
    assert response['ok'], -> { response.inspect }
    assert_equal({ 'status' => 201, 'headers' => { 'x-mw' => '/orders/:id' },
                   'body' => { 'id' => '7', 'trigger' => HTTP, 'http' => true, 'input' => true } }, response['r'])
    assert_equal [['emit', { 'iid' => 901, 'topic' => 'order.processed', 'data' => { 'verified' => true } }]],
                 calls_of(901).map { |c| [c['m'], c['p']] }

    refused = invoke(902, 'v1_orders', input: { 'request' => REQUEST.merge('headers' => {}) }, trigger: HTTP)
    assert_equal({ 'status' => 401, 'body' => { 'error' => 'no token' } }, refused['r'])
  end

  def test_conditions_answer_booleans
    plain = REQUEST.reject { |k, _| k == 'method' }
    assert_equal true, invoke(903, 'v1_orders', input: plain, fn: 'condition:0', trigger: HTTP)['r']
    unverified = { 'request' => plain.merge('body' => { 'verified' => false }) }
    assert_equal false, invoke(904, 'v1_orders', input: unverified, fn: 'condition:0', trigger: HTTP)['r']
    assert_equal true, invoke(905, 'v1_orders', input: { 'amount' => 5000 }, fn: 'condition:1', trigger: QUEUE)['r']
    assert_equal false, invoke(906, 'v1_orders', input: { 'amount' => 5 }, fn: 'condition:1', trigger: QUEUE)['r']
  end

  def test_queue_call_and_a_type_nothing_matches
    response = invoke(907, 'v1_orders', input: { 'amount' => 2000 }, trigger: QUEUE)
    assert_equal({ 'queue' => { 'amount' => 2000 }, 'topic' => 'order.created' }, response['r'])
    # 1.0's set through the Motia module answers {new_value, old_value}: state.replace.
    assert_equal %w[emit state.replace], calls_of(907).map { |c| c['m'] }

    cron = { 'type' => 'cron', 'index' => 2, 'expression' => '0 * * * *' }
    error = invoke(908, 'v1_orders', trigger: cron)['e']
    assert_equal ['RuntimeError', 'No handler matched for trigger type: cron. Available handlers: http, queue'],
                 [error['name'], error['message']]
  end

  def test_one_parameter_handlers_and_each_input
    cron = { 'type' => 'cron', 'index' => 1, 'expression' => '*/5 * * * *' }
    assert_equal({ 'context' => 'Steppe::FlowContext', 'data' => nil }, invoke(911, 'v1_calls', trigger: cron)['r'])
    change = { 'type' => 'state', 'group_id' => 'g', 'item_id' => 'i', 'old_value' => nil, 'new_value' => 2 }
    state = { 'type' => 'state', 'index' => 2 }
    assert_equal({ 'change' => change }, invoke(912, 'v1_calls', input: change, trigger: state)['r'])
    assert_equal true, invoke(913, 'v1_calls', input: change, fn: 'condition:2', trigger: state)['r']
  end

  def test_response_status_and_headers_answer_a_handler_returning_nil
    http = { 'type' => 'http', 'index' => 0, 'method' => 'DELETE', 'path' => '/things/:id' }
    request = { 'pathParams' => { 'id' => '9' }, 'queryParams' => {}, 'headers' => {}, 'body' => nil }
    response = invoke(914, 'v1_calls', input: { 'request' => request }, trigger: http)
    assert_equal({ 'status' => 204, 'headers' => { 'x-root-mw' => '1', 'x-deleted' => '9' }, 'body' => nil },
                 response['r'])
  end

  def test_the_motia_module_is_bound_to_each_invocation
    assert runner.load(step('v1_module'))['ok']
    slow = runner.invoke(921, step('v1_module'), input: { 'group' => 'slow', 'n' => 1 })
    fast = runner.invoke(922, step('v1_module'), input: { 'group' => 'fast', 'n' => 2 })
    assert_equal [2, 1], [runner.response(fast)['r'], runner.response(slow)['r']]
    [921, 922].each_with_index do |iid, index|
      emitted = calls_of(iid).select { |c| c['m'] == 'emit' }.map { |c| c['p']['data'] }
      assert_equal [index + 1], emitted
    end
  end

  def test_the_motia_module_outside_a_handler_names_the_call
    path = File.join(Dir.mktmpdir, 'early.step.rb')
    File.write(path, "Motia.enqueue(topic: 'x', data: 1)\ndef config = { name: 'Early', triggers: [] }\n")
    error = runner.load(path)['e']
    assert_equal 'RuntimeError', error['name']
    assert_match(/\AMotia.enqueue was called outside a step handler/, error['message'])
  end
end

# frozen_string_literal: true

require 'minitest/autorun'
require_relative 'runner_test'

# Streamed answers of Motia 1.0 http handlers in the Ruby runner: response.write
# requests, the head with the first, the end on close or when the handler returns,
# none when it raises, and writes that raise once the client left or the
# invocation was cancelled (runners/README.md, "Streamed answers"; motia-js
# types.ts MotiaHttpResponse, src/new/build/utils.ts).
class V1StreamedTest < Minitest::Test
  HTTP = { 'type' => 'http', 'index' => 0, 'method' => 'GET', 'path' => '/streamed' }.freeze

  include RunnerTest::Calls

  def request(mode) = { 'request' => { 'pathParams' => {}, 'queryParams' => { 'mode' => mode }, 'headers' => {} } }

  def writes_of(iid) = calls_of(iid).select { |c| c['m'] == 'response.write' }.map { |c| c['p'] }

  def test_server_sent_events_head_chunks_and_end
    response = invoke(1001, 'v1_streamed', input: request('sse'), trigger: HTTP)
    assert response['ok'], -> { response.inspect }
    assert_nil response['r'] # the returned hash came after the stream
    events = [1, 2, 3].map { |n| { 'iid' => 1001, 'data' => "data: {\"n\":#{n}}\n\n" } }
    events[0] = events[0].merge('status' => 201, 'headers' => { 'content-type' => 'text/event-stream' })
    assert_equal [*events, { 'iid' => 1001, 'end' => true }], writes_of(1001)
  end

  def test_a_stream_left_open_is_ended_when_the_handler_returns
    assert_nil invoke(1002, 'v1_streamed', input: request('open'), trigger: HTTP)['r']
    assert_equal [{ 'iid' => 1002, 'status' => 200, 'headers' => {}, 'data' => 'a' },
                  { 'iid' => 1002, 'data' => 'b' }, { 'iid' => 1002, 'end' => true }], writes_of(1002)
  end

  def test_a_handler_raising_after_streaming_sends_no_end
    response = invoke(1003, 'v1_streamed', input: request('boom'), trigger: HTTP)
    assert_equal 'RuntimeError', response['e']['name']
    assert_equal [["first\n", nil]], writes_of(1003).map { |w| [w['data'], w['end']] }
  end

  def test_a_refused_write_fails_this_and_later_writes
    response = invoke(1004, 'v1_streamed', input: request('until-refused'), trigger: HTTP)
    assert_equal 'StreamClosed', response['e']['name']
    stopped = logs_of(1004, until_msg: 'writes stopped').find { |l| l['msg'] == 'writes stopped' }
    assert_equal({ 'error' => 'StreamClosed', 'again' => 'StreamClosed', 'closed' => true }, stopped['fields'])
    assert_equal 4, writes_of(1004).size # tick 0..3, no end
  end

  def test_after_a_cancel_writes_raise
    loaded('v1_streamed')
    id = runner.invoke(1005, step('v1_streamed'), input: request('slow'), trigger: HTTP, ctx: RunnerTest::CTX)
    written = []
    (written.concat(writes_of(1005)) && sleep(0.01)) until written.size >= 2
    runner.send_frame('t' => 'note', 'm' => 'cancel', 'p' => { 'iid' => 1005 })
    assert_equal 'Cancelled', runner.response(id)['e']['name']
    stopped = logs_of(1005, until_msg: 'writes stopped').find { |l| l['msg'] == 'writes stopped' }
    assert_equal({ 'error' => 'Cancelled', 'again' => 'Cancelled', 'closed' => true }, stopped['fields'])
  end
end

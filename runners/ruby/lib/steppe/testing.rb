# frozen_string_literal: true

# Minitest helper for a Steppe project's own tests (docs/reference.md §13):
#
#   require 'steppe/testing'
#
#   class OrdersTest < Minitest::Test
#     include Steppe::Testing
#
#     def test_an_order_is_paid
#       paid = steppe.watch('payment.processed')
#       response = steppe.post('/orders', body: { productId: 'p1', quantity: 1, amount: 5, currency: 'EUR' })
#       assert_equal 201, response.status
#       steppe.wait_idle
#       assert_equal 1, paid.events.size
#       assert_equal 'paid', steppe.state.get('orders', response.body['id'])['status']
#     end
#   end
#
# `steppe test` starts the project once for the run and gives its URL in
# STEPPE_TEST_URL; each test starts from empty stores, and a failing test's message
# ends with the logs of its traces. It talks to the server's test API
# (orchestrator/http/admin/testing.py) and admin API over HTTP, with the standard
# library only.

require 'json'
require 'minitest/autorun'
require 'net/http'
require 'uri'

module Steppe
  module Testing
    URL_VARIABLE = 'STEPPE_TEST_URL'
    TEST_API = '/__steppe/api/testing'
    ADMIN_API = '/__steppe/api'

    class Error < StandardError; end

    # The step threw (Steppe::Testing::Harness#run): its name, message and stack.
    class StepFailed < Error
      attr_reader :name, :stack

      def initialize(body)
        @name = body['name'] || 'Error'
        @stack = body['stack']
        super("#{@name}: #{body['message']}")
      end
    end

    # An HTTP answer: status, lower-case headers, text, and body (the JSON it
    # carried, nil when it is not JSON).
    Response = Struct.new(:status, :headers, :text, :body, keyword_init: true)

    # One keep-alive connection to the test server, shared by every test.
    class Connection
      def self.shared
        @shared ||= new(ENV.fetch(URL_VARIABLE) do
          raise Error, "steppe/testing needs the Steppe server of a test run: run the tests with `steppe test` (#{URL_VARIABLE} is not set)"
        end)
      end

      def initialize(url)
        @uri = URI(url)
        @lock = Mutex.new
      end

      def call(method, path, body: nil, headers: {})
        request = Net::HTTPGenericRequest.new(method.to_s.upcase, !body.nil?, true, path, headers)
        unless body.nil?
          request.body = JSON.generate(body)
          request['content-type'] ||= 'application/json'
        end
        @lock.synchronize { response_of(http.request(request)) }
      rescue IOError, SystemCallError => e
        @http = nil
        raise Error, "cannot reach the Steppe test server at #{@uri} (#{e.message})"
      end

      def test_api(method, path, body = nil)
        response = call(method, TEST_API + path, body: body)
        raise_for(method, path, response) if response.status >= 400
        response.body
      end

      private

      def http
        @http = nil if @http && !@http.started?
        @http ||= Net::HTTP.start(@uri.host, @uri.port, read_timeout: 120)
      end

      def response_of(answer)
        headers = answer.each_header.to_h
        text = answer.body.to_s.dup.force_encoding(Encoding::UTF_8)
        body = begin
          JSON.parse(text) unless text.empty?
        rescue JSON::ParserError
          nil
        end
        Response.new(status: answer.code.to_i, headers: headers, text: text, body: body)
      end

      def raise_for(method, path, response)
        body = response.body.is_a?(Hash) ? response.body : {}
        raise StepFailed, body if body['error'] == 'handler threw'

        raise Error, "#{method.to_s.upcase} #{TEST_API}#{path}: #{response.status} #{body['message'] || body['error'] || response.text}"
      end
    end

    # Events emitted on one topic since `watch`: each {'topic', 'data', 'traceId',
    # 'flows'} (flows left out when the emitting step has none).
    class Watcher
      attr_reader :topic

      def initialize(topic, harness)
        @topic = topic
        @harness = harness
        @events = []
      end

      def events
        @harness.collect_events
        @events.dup
      end

      def last = events.last
      def size = events.size

      def add(event) = @events << event
    end

    # The project's state store (docs/reference.md §3), through the admin API.
    class State
      def initialize(connection)
        @connection = connection
      end

      def get(group, key) = items(group).fetch(key, nil)
      def get_group(group) = items(group).values
      def groups = @connection.call(:get, "#{ADMIN_API}/state").body

      def items(group)
        @connection.call(:get, "#{ADMIN_API}/state/#{segment(group)}").body.to_h { |item| [item['key'], item['value']] }
      end

      def set(group, key, value)
        @connection.call(:put, "#{ADMIN_API}/state/#{segment(group)}/#{segment(key)}", body: value).body['value']
      end

      def delete(group, key)
        @connection.call(:delete, "#{ADMIN_API}/state/#{segment(group)}/#{segment(key)}").body&.fetch('old', nil)
      end

      private

      def segment(text) = URI.encode_www_form_component(text).gsub('+', '%20')
    end

    # The project's streams, read through the admin API (docs/reference.md §5).
    class Streams
      def initialize(connection)
        @connection = connection
      end

      def get_group(stream, group)
        path = [stream, group].map { |s| URI.encode_www_form_component(s).gsub('+', '%20') }.join('/')
        @connection.call(:get, "#{ADMIN_API}/streams/#{path}").body
      end

      def get(stream, group, id) = get_group(stream, group).find { |item| item['id'] == id }
    end

    # What a test calls `steppe`: the project under test, with stores emptied for it.
    class Harness
      attr_reader :state, :streams

      def initialize(connection = Connection.shared)
        @connection = connection
        @watchers = []
        @events_cursor = 0 # cursor 0 reads everything since the reset
        @connection.test_api(:post, '/reset')
        @state = State.new(connection)
        @streams = Streams.new(connection)
      end

      %i[get delete].each do |method|
        define_method(method) { |path, headers: {}| request(method, path, headers: headers) }
      end

      %i[post put patch].each do |method|
        define_method(method) { |path, body: nil, headers: {}| request(method, path, body: body, headers: headers) }
      end

      def request(method, path, body: nil, headers: {})
        @connection.call(method, path, body: body, headers: headers).tap { collect_events }
      end

      # Publish an event as a step would; returns its trace id.
      def emit(topic, data = nil, trace_id: nil)
        event = { topic: topic, data: data }
        event[:traceId] = trace_id if trace_id
        @connection.test_api(:post, '/emit', event)['traceId'].tap { collect_events }
      end

      def watch(topic)
        collect_events
        Watcher.new(topic, self).tap { |watcher| @watchers << watcher }
      end

      # Until every accepted event is handled, retries included.
      def wait_idle(timeout: 30)
        @connection.test_api(:post, '/idle', { timeout: timeout })
        collect_events
      end

      def collect_events
        answer = @connection.test_api(:get, "/events?since=#{@events_cursor}")
        @events_cursor = answer['next']
        answer['events'].each do |event|
          @watchers.each { |watcher| watcher.add(event) if watcher.topic == event['topic'] }
        end
      end

      # One step's handler with a recording context, as `steppe run`: emits checked and
      # recorded, not delivered. {'step', 'traceId', 'result', 'emits', 'stateWrites', 'logs'}.
      def run(step, data = nil, params: {}, query: {})
        @connection.test_api(:post, '/run', { step: step, data: data, params: params, query: query })
      end

      def dead_letters = @connection.call(:get, "#{ADMIN_API}/dlq").body

      # The log entries since the test began, and the same as text for a report.
      def logs = @connection.test_api(:get, '/logs?since=0')['entries']
      def logs_text = @connection.test_api(:get, '/logs?since=0')['text']
    end

    def steppe
      @steppe ||= Harness.new
    end

    def before_setup
      super
      @steppe = Harness.new
    end

    # A failing test's message ends with the logs of its traces.
    def after_teardown
      unless failures.empty?
        text = begin
          steppe.logs_text
        rescue Error
          ''
        end
        append_logs(text) unless text.to_s.empty?
      end
      super
    end

    private

    def append_logs(text)
      failures.each do |failure|
        message = failure.message
        failure.define_singleton_method(:message) { "#{message}\n\nSteppe: logs of the test's traces\n#{text}" }
      end
    end
  end
end

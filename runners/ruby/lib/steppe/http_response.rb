# frozen_string_literal: true

require_relative 'errors'
require_relative 'values'

module Steppe
  # Motia 1.0's http `response` (motia-js types.ts MotiaHttpResponse, motia-py
  # types.py), in Ruby's idiom: `response.status(code)` and `response.headers(map)`
  # set the head of a streamed answer, or what is answered when the handler
  # returns nil; `response.stream.write(str)` / `response.stream << str` send a
  # chunk and `response.close` ends the answer (runners/README.md, "Streamed answers").
  #
  # Each chunk is a `response.write` request, the first carrying the head; a
  # write blocks its thread until the orchestrator has the chunk in the answer's
  # bounded buffer, which is the backpressure. Once the client left (the
  # orchestrator refuses with StreamClosed) or the invocation was cancelled,
  # writes raise.
  class HttpResponse
    # `response.stream`: the writable end, IO-like (`write` answers the bytes written).
    class Stream
      def initialize(response)
        @response = response
      end

      def write(*chunks)
        chunks.sum { |chunk| @response.write(chunk) }
      end

      def <<(chunk)
        @response.write(chunk)
        self
      end

      def close = @response.close
      alias end close

      def closed? = @response.closed?
    end

    # The responses of invocations still running, by iid, for a cancel to reach.
    @live = {}
    @live_lock = Mutex.new

    class << self
      # The orchestrator cancelled invocation `iid`: its response's writes fail.
      def abort(iid)
        @live_lock.synchronize { @live[iid] }&.abort
      end

      def track(iid, response)
        @live_lock.synchronize { response ? @live[iid] = response : @live.delete(iid) }
      end
    end

    attr_reader :stream, :iid

    def initialize(iid, session)
      @iid = iid
      @session = session
      @status = nil
      @headers = {}
      @started = false # the head was sent
      @ended = false
      @failure = nil # why writes fail now
      @lock = Mutex.new # one request at a time, in order
      @stream = Stream.new(self)
    end

    def status(code)
      @status = Integer(code)
      nil
    end

    def headers(map)
      @headers.merge!(map)
      nil
    end

    # A chunk of the body (a String; anything else as #to_s), as bytes.
    def write(chunk)
      data = chunk.to_s.b
      @lock.synchronize do
        refuse
        send_request('data' => data)
      end
      data.bytesize
    end

    # The end of the streamed answer; once the answer failed, nothing.
    def close
      @lock.synchronize do
        return if @ended || @failure

        send_request('end' => true)
        @ended = true
      end
      nil
    end

    def closed? = @ended || !@failure.nil?

    # Whether the handler used the stream: its answer is the stream, not its return value.
    def streamed? = @started || closed?

    # Before the invocation is answered: a stream the handler left open is ended
    # (it returned), or left cut short (it raised), so no chunk follows the answer.
    def settle(ok)
      close if ok && @started
    rescue StandardError, Cancelled
      nil
    end

    def abort
      @failure ||= Cancelled.new("invocation #{@iid} was cancelled: the client disconnected or the handler timed out")
    end

    def answer
      return if @status.nil? && @headers.empty?

      { 'status' => @status || 200, 'headers' => @headers, 'body' => nil }
    end

    private

    def refuse
      raise @failure if @failure
      raise RemoteError, { 'name' => 'StreamClosed', 'message' => 'response.stream: write after close' } if @ended
    end

    def send_request(fields)
      params = { 'iid' => @iid }
      params.merge!('status' => @status || 200, 'headers' => Values.plain(@headers)) unless @started
      @started = true
      @session.request('response.write', params.merge(fields))
    rescue RemoteError, Cancelled => e
      @failure ||= e
      raise
    end
  end
end

# frozen_string_literal: true

require_relative 'values'

module Steppe
  # The handler's context (docs/reference.md §3). Every capability is a request to the
  # orchestrator carrying the invocation id; calls block the calling thread and
  # return the orchestrator's answer. Reachable as context[:logger],
  # context['logger'] and context.logger alike.
  class Context
    MEMBERS = {
      'logger' => :logger, 'emit' => :emit, 'state' => :state, 'streams' => :streams,
      'flows' => :flows, 'traceId' => :trace_id, 'trace_id' => :trace_id,
      'traceparent' => :traceparent
    }.freeze

    # traceparent: this invocation's span as a W3C header, for an outbound HTTP call.
    attr_reader :trace_id, :traceparent, :flows

    # v1: state and streams answer in Motia 1.0's shapes (a FlowContext's do, as the
    # release candidates' FlowContext held the module's stateManager).
    def initialize(iid, ctx, session, v1: false)
      @iid = iid
      @session = session
      @trace_id = ctx['traceId']
      @traceparent = ctx['traceparent']
      @flows = ctx['flows'] || []
      @v1 = v1
    end

    # Made when first used: most handlers use one or two of them, and a context
    # is made for every invocation. Two threads racing here make two equal
    # objects, which is harmless: they hold no state of their own.
    def logger = @logger ||= Logger.new(@iid, @session)
    def state = @state ||= State.new(@iid, @session, v1: @v1)
    def streams = @streams ||= Streams.new(@iid, @session, v1: @v1)

    # The Motia module's state and streams (Motia.state, Motia.streams): 1.0's shapes always.
    def module_state = @v1 ? state : (@module_state ||= State.new(@iid, @session, v1: true))
    def module_streams = @v1 ? streams : (@module_streams ||= Streams.new(@iid, @session, v1: true))

    alias traceId trace_id

    def [](key)
      member = MEMBERS[key.to_s]
      member && public_send(member)
    end

    # context.emit is the callable itself; context.emit(topic: ..) calls it.
    def emit(*args, **kwargs)
      emitter = (@emit ||= Emit.new(@iid, @session))
      args.empty? && kwargs.empty? ? emitter : emitter.call(*args, **kwargs)
    end

    # logger.info('done', report_id: id): keyword arguments become fields.
    class Logger
      def initialize(iid, session)
        @iid = iid
        @session = session
      end

      %w[debug info warn error].each do |level|
        define_method(level) { |msg, fields = nil, **kwargs| log(level, msg, fields, kwargs) }
      end

      private

      def log(level, msg, fields, kwargs)
        note = { 'iid' => @iid, 'level' => level, 'msg' => Values.utf8(msg.to_s) }
        fields = fields.is_a?(Hash) ? fields.merge(kwargs) : kwargs
        # Logging must never fail a handler: what cannot be serialised is logged as text.
        note['fields'] = Values.plain(fields) { |value| value.to_s } unless fields.empty?
        note['source'] = 'logger'
        @session.note('log', note)
        nil
      end
    end

    # emit.call(topic: 't', data: {...}), emit.(...), emit[...] or emit.call({...}).
    class Emit
      CAMEL = { 'idempotency_key' => 'idempotencyKey', 'message_group_id' => 'messageGroupId',
                'delay_seconds' => 'delaySeconds' }.freeze

      def initialize(iid, session)
        @iid = iid
        @session = session
      end

      def call(event = {}, **kwargs)
        raise ArgumentError, 'emit takes a Hash: emit.call(topic: ..., data: ...)' unless event.is_a?(Hash)

        params = { 'iid' => @iid }
        Values.plain(event.merge(kwargs)).each { |key, value| params[CAMEL.fetch(key, key)] = value }
        raise ArgumentError, 'emit needs a topic' unless params['topic'].is_a?(String)

        @session.request('emit', params)
      end

      alias [] call
    end

    # Requests of one family (state.*, streams.*) whose params share a prefix
    # (the iid, the stream's name).
    class Calls
      def initialize(family, common, session)
        @family = family
        @common = common.freeze
        @session = session
      end

      private

      def request(method, params)
        @session.request("#{@family}.#{method}", @common.merge(Values.plain(params)))
      end
    end

    # state.get/set/delete/get_group (getGroup)/clear, all synchronous. v1: `set`
    # returns {'new_value' => ..., 'old_value' => ...} (Motia 1.0's stateManager.set).
    class State < Calls
      def initialize(iid, session, v1: false)
        super('state', { 'iid' => iid }, session)
        @set = v1 ? 'replace' : 'set'
      end

      def get(group, key) = request('get', 'group' => group, 'key' => key)
      def set(group, key, value) = request(@set, 'group' => group, 'key' => key, 'value' => value)
      def delete(group, key) = request('delete', 'group' => group, 'key' => key)
      def get_group(group) = request('getGroup', 'group' => group)
      def clear(group) = request('clear', 'group' => group)
      alias getGroup get_group

      # Motia 1.0's list, list_groups and update (atomic ops, returning
      # {'old_value' => ..., 'new_value' => ...}).
      def list(group) = request('list', 'group' => group)
      def list_groups = request('listGroups', {})
      def update(group, key, ops) = request('update', 'group' => group, 'key' => key, 'ops' => ops)
      alias listGroups list_groups
    end

    # streams['chat-messages'] or streams.chatMessages: any name is accepted,
    # the orchestrator says whether the stream exists.
    class Streams
      def initialize(iid, session, v1: false)
        @iid = iid
        @session = session
        @v1 = v1
      end

      def [](name) = Stream.new(name.to_s, @iid, @session, v1: @v1)

      def method_missing(name, *args)
        args.empty? && stream_name?(name) ? self[name] : super
      end

      def respond_to_missing?(name, include_private = false)
        stream_name?(name) || super
      end

      private

      # Conversion hooks (to_ary, to_hash, ...) must stay missing, or puts and
      # splats would take the streams object for an Array or a Hash.
      def stream_name?(name)
        name.match?(/\A[a-z_]\w*\z/i) && !name.start_with?('to_')
      end
    end

    # v1: `set` returns {'new_value' => ..., 'old_value' => ...} and `delete` nil (Motia
    # 1.0's Stream, src/new/stream.ts).
    class Stream < Calls
      attr_reader :name

      def initialize(name, iid, session, v1: false)
        super('streams', { 'iid' => iid, 'stream' => name }, session)
        @name = name
        @v1 = v1
      end

      def get(group_id, id) = request('get', 'groupId' => group_id, 'id' => id)
      def set(group_id, id, data) = request(@v1 ? 'replace' : 'set', 'groupId' => group_id, 'id' => id, 'data' => data)

      def delete(group_id, id)
        old = request('delete', 'groupId' => group_id, 'id' => id)
        @v1 ? nil : old
      end
      def get_group(group_id) = request('getGroup', 'groupId' => group_id)
      alias getGroup get_group

      # Motia 1.0's list, list_groups and update.
      def list(group_id) = request('list', 'groupId' => group_id)
      def list_groups = request('listGroups', {})
      def update(group_id, id, ops) = request('update', 'groupId' => group_id, 'id' => id, 'ops' => ops)
      alias listGroups list_groups

      # send({groupId:, id:}, {type:, data:}), as in Motia; Object#send stays
      # reachable as __send__.
      def send(channel, event)
        channel = Values.plain(channel)
        channel['groupId'] = channel.delete('group_id') if channel.key?('group_id')
        request('send', 'channel' => channel, 'event' => event)
      end
    end
  end
end

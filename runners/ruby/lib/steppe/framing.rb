# frozen_string_literal: true

require 'msgpack'
require_relative 'errors'

module Steppe
  # Msgpack framing of the protocol (docs/reference.md §7): msgpack maps back to back, no
  # length prefix. Requests {t:'req', id, m, p}, responses {t:'res', id, ok, r|e},
  # notes {t:'note', m, p}.
  module Framing
    module_function

    def encode(frame)
      MessagePack.pack(frame)
    end

    # The frame itself when it is a well-formed message, else a ProtocolError.
    def check(frame)
      raise ProtocolError, "frame is #{frame.class}, not a map: #{frame.inspect[0, 120]}" unless frame.is_a?(Hash)

      problem =
        case frame['t']
        when 'req' then bad_id(frame) || bad_method(frame) || missing(frame, 'p')
        when 'note' then bad_method(frame) || missing(frame, 'p')
        when 'res' then bad_id(frame) || bad_outcome(frame)
        else "unknown frame kind #{frame['t'].inspect}"
        end
      raise ProtocolError, "#{problem}: #{frame.inspect[0, 120]}" if problem

      frame
    end

    def bad_id(frame)
      id = frame['id']
      'id is not a non-negative integer' unless id.is_a?(Integer) && id >= 0
    end

    def bad_method(frame)
      m = frame['m']
      'method is not a non-empty string' unless m.is_a?(String) && !m.empty?
    end

    def missing(frame, key)
      "frame lacks #{key}" unless frame.key?(key)
    end

    def bad_outcome(frame)
      case frame['ok']
      when true then nil
      when false then 'failed response without an error map' unless frame['e'].is_a?(Hash)
      else "response 'ok' is not a boolean"
      end
    end

    # Incremental decoder: bytes in as they arrive, whole messages out.
    class Decoder
      def initialize
        @unpacker = MessagePack::Unpacker.new
      end

      def feed(bytes)
        @unpacker.feed_each(bytes) { |frame| yield Framing.check(frame) }
      rescue MessagePack::UnpackError => e
        raise ProtocolError, "malformed msgpack: #{e.message}"
      end
    end
  end
end

# frozen_string_literal: true

require 'msgpack'
require_relative 'errors'

module Steppe
  # Msgpack framing of the protocol (docs/reference.md §7): each frame is a 4-byte
  # big-endian length, then that many bytes of one msgpack map. Requests
  # {t:'req', id, m, p}, responses {t:'res', id, ok, r|e}, notes {t:'note', m, p}.
  module Framing
    # The longest frame; a longer length is no frame boundary to trust.
    MAX_FRAME_BYTES = 64 * 1024 * 1024

    # Not a well-formed frame; the decoder turns it into a BadFrame.
    class InvalidFrame < StandardError; end

    # A frame skipped because it could not be decoded or is not a well-formed frame.
    # `head` holds what could be read of its leading members (t, id, m, which every
    # encoder writes first), so that a request can still be answered.
    BadFrame = Struct.new(:head, :reason) do
      # The id of the request this frame was, or nil when it cannot tell.
      def request_id
        id = head['id']
        id if head['t'] == 'req' && id.is_a?(Integer) && id >= 0
      end

      # The answer to the request.
      def error(program)
        method = head['m'].is_a?(String) && !head['m'].empty? ? " (#{head['m']})" : ''
        { 'name' => 'BadFrame',
          'message' => "the #{program} could not decode request #{head['id']}#{method}: #{reason}; it skipped the frame" }
      end
    end

    module_function

    def encode(frame)
      body = MessagePack.pack(frame)
      [body.bytesize].pack('N') << body
    end

    # Answers a skipped request with BadFrame; a frame that was no request is only reported.
    def refuse(writer, bad, program)
      if (id = bad.request_id)
        writer.error(id, bad.error(program))
      else
        STDERR.puts("steppe #{program}: skipped a frame: #{bad.reason}")
      end
    end

    # The frame itself when it is a well-formed message, else an InvalidFrame.
    def check(frame)
      raise InvalidFrame, "frame is #{frame.class}, not a map: #{frame.inspect[0, 120]}" unless frame.is_a?(Hash)

      problem =
        case frame['t']
        when 'req' then bad_id(frame) || bad_method(frame) || missing(frame, 'p')
        when 'note' then bad_method(frame) || missing(frame, 'p')
        when 'res' then bad_id(frame) || bad_outcome(frame)
        else "unknown frame kind #{frame['t'].inspect}"
        end
      raise InvalidFrame, "#{problem}: #{frame.inspect[0, 120]}" if problem

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

    # The leading scalar members of a map that failed to decode further on.
    def head(body)
      unpacker = MessagePack::Unpacker.new
      unpacker.feed(body)
      found = {}
      unpacker.read_map_header.times do
        key = unpacker.read
        break unless %w[t id m].include?(key)

        found[key] = unpacker.read
      end
      found
    rescue StandardError # EOFError, MessagePack::UnpackError: what was read so far is the head
      found || {}
    end

    # One frame's body: the message, or a BadFrame.
    def decode(body)
      value = MessagePack.unpack(body)
    rescue StandardError => e # MessagePack::UnpackError, EOFError for a body cut short
      BadFrame.new(head(body), "malformed msgpack: #{e.message}")
    else
      begin
        check(value)
      rescue InvalidFrame => e
        BadFrame.new(value.is_a?(Hash) ? value.slice('t', 'id', 'm') : {}, e.message)
      end
    end

    # Incremental decoder: bytes in as they arrive, whole messages (and the bad frames
    # skipped) out.
    class Decoder
      def initialize
        @buffer = String.new(encoding: Encoding::BINARY)
      end

      # Yields each message completed by `bytes`; raises ProtocolError on a length over
      # the maximum.
      def feed(bytes)
        @buffer << bytes
        start = 0
        while @buffer.bytesize - start >= 4
          size = @buffer.unpack1('N', offset: start)
          raise ProtocolError, "a frame length of #{size} bytes is over the maximum" if size > MAX_FRAME_BYTES
          break if @buffer.bytesize - start - 4 < size

          yield Framing.decode(@buffer.byteslice(start + 4, size))
          start += 4 + size
        end
        @buffer = @buffer.byteslice(start..) if start.positive?
      end
    end
  end
end

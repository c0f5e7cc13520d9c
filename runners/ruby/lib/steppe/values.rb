# frozen_string_literal: true

require 'date'
require 'set'
require 'time'
require_relative 'errors'

module Steppe
  # Turns Ruby values into plain data with JSON semantics before they cross the
  # protocol: symbols become strings (keys and values), Time and Date ISO 8601,
  # sets arrays. Anything else is a SerializationError naming what and where,
  # unless a block is given, whose result is used instead (the logger passes
  # `to_s`, so logging an exception never fails).
  module Values
    INT64 = (-2**63..2**64 - 1).freeze
    UTF_8 = Encoding::UTF_8

    module_function

    def plain(value, &fallback)
      case value
      when String then text(value)
      when Symbol then value.name
      when Hash then plain_hash(value, &fallback)
      when Array then plain_array(value, &fallback)
      when Float, true, false, nil then value
      when Integer then INT64.cover?(value) ? value : other(value, 'an integer beyond 64 bits', &fallback)
      when Time then value.iso8601(3)
      when Date then value.iso8601 # DateTime too, with its time
      when Set then plain_array(value.to_a, &fallback)
      else other(value, "a #{value.class}", &fallback)
      end
    rescue SystemStackError
      raise SerializationError, 'a value nested too deeply (a cycle?)'
    end

    # Text as valid UTF-8 (msgpack str). A binary string that is valid UTF-8 is
    # text too, as JSON sees it; only genuinely binary data stays msgpack bin.
    def text(string)
      enc = string.encoding
      return string if (enc == UTF_8 || enc == Encoding::US_ASCII) && string.valid_encoding?

      if enc == Encoding::BINARY
        utf8 = string.dup.force_encoding(UTF_8)
        return utf8.valid_encoding? ? utf8 : string
      end
      string.encode(UTF_8, invalid: :replace, undef: :replace)
    end

    # Text for a log line: always valid UTF-8, whatever bytes were printed.
    def utf8(string)
      string = string.dup.force_encoding(UTF_8) if string.encoding == Encoding::BINARY
      unless string.encoding == UTF_8 || string.encoding == Encoding::US_ASCII
        string = string.encode(UTF_8, invalid: :replace, undef: :replace)
      end
      string.valid_encoding? ? string : string.scrub
    end

    def plain_hash(hash, &fallback)
      out = {}
      hash.each do |key, item|
        key = plain_key(key)
        begin
          out[key] = plain(item, &fallback)
        rescue SerializationError => e
          raise e.within(key)
        end
      end
      out
    end

    def plain_array(array, &fallback)
      array.each_with_index.map do |item, index|
        plain(item, &fallback)
      rescue SerializationError => e
        raise e.within(index)
      end
    end

    # JSON object keys are strings; numbers are written as their digits.
    def plain_key(key)
      case key
      when String then text(key)
      when Symbol, Numeric then key.to_s
      else raise SerializationError, "a #{key.class} used as a key"
      end
    end

    def other(value, what, &fallback)
      raise SerializationError, what unless fallback

      plain(fallback.call(value))
    end
  end
end

# frozen_string_literal: true

require 'stringio'

module Steppe
  # Motia 1.0's `request.requestBody` (iii's ChannelReader): the raw request body,
  # which the orchestrator read whole before the handler ran and sends as bytes. An
  # IO over that binary String: `read`, `each`, `gets`, `rewind`; `stream` is
  # itself (as motia-js and motia-py handlers spell it) and `read_all` the whole body.
  class RequestBody < StringIO
    def initialize(bytes)
      super(bytes.is_a?(String) ? bytes.b : String.new(encoding: Encoding::BINARY))
    end

    def stream
      self
    end

    def read_all
      string.dup
    end
  end
end

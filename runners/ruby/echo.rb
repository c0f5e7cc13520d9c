# frozen_string_literal: true

# The benchmarks' floor: answers every request {t:'req', id, m, p} with
# {t:'res', id, ok:true, r:p}, with the runner's own channel set-up, reading
# and writing code and nothing else.

require_relative 'lib/steppe/framing/reader'
require_relative 'lib/steppe/framing/writer'
require_relative 'lib/steppe/stdio'

input, output = Steppe::Stdio.take_protocol_channel
writer = Steppe::Framing::Writer.new(output)
Steppe::Framing::Reader.new(input, on_end: ->(error) { exit!(error ? 1 : 0) }) do |messages|
  messages.each { |m| writer.response(m['id'], m['p']) if m['t'] == 'req' }
  nil
end.run

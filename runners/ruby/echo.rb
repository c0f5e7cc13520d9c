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
  messages.each do |m|
    if m.is_a?(Steppe::Framing::BadFrame) then Steppe::Framing.refuse(writer, m, 'ruby echo')
    elsif m['t'] == 'req' then writer.response(m['id'], m['p'])
    end
  end
  nil
end.run

# frozen_string_literal: true

# The benchmarks' floor: answers every request {t:'req', id, m, p} with
# {t:'res', id, ok:true, r:p}, with the runner's own reading and writing code
# and nothing else.

require_relative 'lib/steppe/reader'
require_relative 'lib/steppe/writer'

protocol = STDOUT.dup
protocol.binmode
protocol.sync = true
STDOUT.reopen(STDERR)
writer = Steppe::Writer.new(protocol)
Steppe::Reader.new(STDIN.binmode, on_end: ->(error) { exit!(error ? 1 : 0) }) do |messages|
  messages.each { |m| writer.respond(m['id'], m['p']) if m['t'] == 'req' }
  nil
end.run

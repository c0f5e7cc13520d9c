# frozen_string_literal: true

# Measures the runner from a separate client process (this one):
#   taskset -c 0 ruby runners/ruby/bench_local.rb [invocations]
# taskset keeps the client, echo and the runner on one CPU. Unpinned, on a
# machine with few CPUs, each process's round trip depends on whether the
# scheduler puts it beside the client or on another CPU: two copies of echo
# then differ by up to 3x, which swamps what is being measured.
# - latency: sequential round trips of an empty-handler invoke, and of the
#   same frame sent to echo.rb (the floor: same framing, nothing else), p50
#   and p90. The two alternate, so both see the same machine noise.
# - throughput: invokes pipelined with at most WINDOW in flight, written in
#   batches of about 16 kB, as the orchestrator's writer would.

require_relative 'lib/steppe/framing'
require 'open3'
require 'tmpdir'

HERE = __dir__
ROUNDS = 3000
WINDOW = 1000
TOTAL = Integer(ARGV[0] || 100_000)

def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

# One program under test, spoken to over its stdin and stdout.
class Client
  def initialize(*command)
    @in, @out, @process = Open3.popen2(*command)
    @in.binmode
    @in.sync = true
    @decoder = Steppe::Framing::Decoder.new
    @frames = []
  end

  def send_bytes(bytes) = @in.write(bytes)

  # The next response (notes such as `ready` are skipped).
  def next_response
    loop do
      @decoder.feed(@out.readpartial(1 << 16)) { |frame| @frames << frame } while @frames.empty?
      frame = @frames.shift
      return frame if frame['t'] == 'res'
    end
  end

  def round_trip(bytes)
    started = now
    send_bytes(bytes)
    next_response
    now - started
  end

  def pipelined(&frame_for)
    received = 0
    started = now
    sender = Thread.new do
      batch = +''
      (1..TOTAL).each do |id|
        Thread.pass while id - received > WINDOW
        batch << frame_for.call(id)
        next if batch.bytesize < 16_384 && id < TOTAL

        send_bytes(batch)
        batch = +''
      end
    end
    while received < TOTAL
      next_response
      received += 1
    end
    sender.join
    TOTAL / (now - started)
  end

  def close
    @in.close
    @process.join
  end
end

def request(id, method, params) = Steppe::Framing.encode('t' => 'req', 'id' => id, 'm' => method, 'p' => params)
def percentile(sorted, fraction) = sorted[(sorted.size * fraction).floor] * 1e6

Dir.mktmpdir do |project|
  path = File.join(project, 'empty.step.rb')
  File.write(path, "def config = { type: 'event', name: 'Empty', subscribes: ['e'] }\ndef handler(input, context); end\n")
  params = ->(id) { { 'iid' => id, 'path' => path, 'input' => {}, 'ctx' => { 'traceId' => 't', 'step' => 'Empty' } } }
  invoke = ->(id) { request(id, 'invoke', params.call(id)) }
  ping = ->(id) { request(id, 'ping', params.call(id)) }

  echo = Client.new('ruby', File.join(HERE, 'echo.rb'))
  runner = Client.new('ruby', File.join(HERE, 'runner.rb'), '--project', project)
  runner.send_bytes(request(0, 'load', 'path' => path, 'kind' => 'step'))
  raise 'load failed' unless runner.next_response['ok']

  latencies = { echo: [], invoke: [] }
  (1..ROUNDS).each do |id|
    latencies[:echo] << echo.round_trip(ping.call(id))
    latencies[:invoke] << runner.round_trip(invoke.call(id))
  end
  rates = { echo: echo.pipelined(&ping), invoke: runner.pipelined(&invoke) }
  echo.close
  runner.close

  latencies.each_value(&:sort!)
  latencies.each do |name, sorted|
    puts format('%-6<name>s p50 %<p50>6.1f us  p90 %<p90>6.1f us  pipelined %<rate>7.0f/s',
                name: name, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), rate: rates[name])
  end
  puts format('invoke/echo p50 ratio %.2f', percentile(latencies[:invoke], 0.5) / percentile(latencies[:echo], 0.5))
end

# frozen_string_literal: true

require 'msgpack'
require 'open3'
require_relative '../../lib/steppe/framing'

# Plays the orchestrator against a real runner process: sends requests and
# notes, collects responses and notes, and answers the runner's own requests
# (context calls) with the block given to `new`, which returns [ok, r_or_e].
class FakeOrchestrator
  RUBY_DIR = File.expand_path('../..', __dir__)
  RUNNER = File.join(RUBY_DIR, 'runner.rb')
  TIMEOUT = 5

  attr_reader :notes, :calls, :ready

  def initialize(project, program: RUNNER, &on_call)
    @on_call = on_call || ->(_m, _p) { [true, nil] }
    @stdin, @stdout, @stderr, @process = Open3.popen3('ruby', program, '--project', project)
    @stdin.binmode
    @stdin.sync = true
    @lock = Mutex.new
    @responses = {}
    @arrived = ConditionVariable.new
    @notes = Thread::Queue.new
    @calls = Thread::Queue.new
    @last_id = 0
    @err = +''
    @err_thread = Thread.new { loop { @err << @stderr.readpartial(4096) } rescue EOFError }
    @reader = Thread.new { read_frames }
  end

  def pid = @process.pid

  def wait_ready
    @ready = next_note('ready')
  end

  def send_frame(frame)
    send_bytes(Steppe::Framing.encode(frame))
  end

  def send_bytes(bytes)
    @lock.synchronize { @stdin.write(bytes) }
  end

  def send_request(method, params)
    id = @lock.synchronize { @last_id += 1 }
    send_frame('t' => 'req', 'id' => id, 'm' => method, 'p' => params)
    id
  end

  # Sends the requests in one write (so the runner reads them as one chunk)
  # and returns their ids.
  def send_requests(requests)
    @lock.synchronize do
      ids = requests.map { @last_id += 1 }
      @stdin.write(requests.zip(ids).map { |(m, p), id| Steppe::Framing.encode('t' => 'req', 'id' => id, 'm' => m, 'p' => p) }.join)
      ids
    end
  end

  def response(id, timeout: TIMEOUT)
    deadline = now + timeout
    @lock.synchronize do
      until @responses.key?(id)
        left = deadline - now
        raise "no response to request #{id} in #{timeout}s; stderr: #{stderr_text}" if left <= 0

        @arrived.wait(@lock, left)
      end
      @responses.delete(id)
    end
  end

  def request(method, params, timeout: TIMEOUT)
    response(send_request(method, params), timeout: timeout)
  end

  def load(path, kind = 'step') = request('load', { 'path' => path, 'kind' => kind })

  def invoke(iid, path, input: :none, fn: nil, trigger: nil, ctx: { 'traceId' => "t-#{iid}", 'step' => 'S', 'flows' => ['f'] })
    params = { 'iid' => iid, 'path' => path, 'ctx' => ctx }
    params['trigger'] = trigger if trigger
    params['input'] = input unless input == :none
    params['fn'] = fn if fn
    send_request('invoke', params)
  end

  # The next note named `method` (others that arrive first are kept aside).
  def next_note(method, timeout: TIMEOUT)
    deadline = now + timeout
    loop do
      note = pop_with_deadline(@notes, deadline)
      return note['p'] if note['m'] == method
    end
  end

  # Notes that arrive within `quiet` seconds of each other.
  def drain_notes(quiet: 0.2)
    out = []
    while (note = pop_with_deadline(@notes, now + quiet, raise_on_timeout: false))
      out << note
    end
    out
  end

  def close_stdin = @stdin.close

  # The exit status, or nil if the process is still running after `timeout`.
  def wait_exit(timeout: TIMEOUT)
    @process.join(timeout)&.value
  end

  # All stderr, once the process has ended.
  def stderr_text
    @err_thread.join(TIMEOUT)
    @err
  end

  # Stderr received so far, the process still running.
  def stderr_text_so_far = @err.dup

  def kill
    @stdin.close unless @stdin.closed?
    Process.kill('KILL', pid) if @process.alive?
    @process.join
  rescue Errno::ESRCH
    nil
  end

  private

  def now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

  def pop_with_deadline(queue, deadline, raise_on_timeout: true)
    loop do
      return queue.pop(true) unless queue.empty?
      raise 'timed out waiting for a note' if now > deadline && raise_on_timeout
      return nil if now > deadline

      sleep 0.002
    end
  end

  def read_frames
    decoder = Steppe::Framing::Decoder.new
    loop { decoder.feed(@stdout.readpartial(65_536)) { |frame| handle(frame) } }
  rescue EOFError
    nil
  end

  def handle(frame)
    case frame['t']
    when 'res'
      @lock.synchronize do
        @responses[frame['id']] = frame
        @arrived.broadcast
      end
    when 'note' then @notes << frame
    when 'req'
      @calls << frame
      Thread.new { answer(frame) }
    end
  end

  def answer(frame)
    ok, value = @on_call.call(frame['m'], frame['p'])
    reply = { 't' => 'res', 'id' => frame['id'], 'ok' => ok }
    reply[ok ? 'r' : 'e'] = value
    send_frame(reply)
  end
end

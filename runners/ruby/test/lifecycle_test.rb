# frozen_string_literal: true

require 'fileutils'
require 'minitest/autorun'
require 'tmpdir'
require_relative 'support/fake_orchestrator'

# Start-up, reload, shutdown and exit, each with a runner of its own.
class LifecycleTest < Minitest::Test
  def setup
    @project = Dir.mktmpdir('steppe-ruby-')
    FileUtils.mkdir_p(File.join(@project, 'steps'))
    FileUtils.mkdir_p(File.join(@project, 'lib'))
  end

  def teardown
    @runner&.kill
    FileUtils.rm_rf(@project)
  end

  def write(relative, source)
    path = File.join(@project, relative)
    File.write(path, source)
    path
  end

  # A noop step whose handler is `body`.
  def noop_step(name, body)
    write("steps/#{name}.step.rb", "def config = { type: 'noop', name: '#{name}' }\ndef handler(i, c) = #{body}\n")
  end

  def start(&on_call)
    @runner = FakeOrchestrator.new(@project, &on_call)
    @runner.wait_ready
    @runner
  end

  def step_source(version)
    <<~RUBY
      require 'version_helper'
      def config = { type: 'event', name: 'Versioned', subscribes: ['v'], emits: [] }
      def handler(_input, _context) = "#{version} with \#{VersionHelper.tag}"
    RUBY
  end

  def test_loading_a_file_again_picks_up_edits_to_it_and_its_helpers
    write('lib/version_helper.rb', "module VersionHelper\n  def self.tag = 'helper-1'\nend\n")
    path = write('steps/versioned.step.rb', step_source('v1'))
    runner = start
    assert_equal [File.join(File.realpath(@project), 'lib', 'version_helper.rb')], runner.load(path)['r']['deps']
    assert_equal 'v1 with helper-1', runner.response(runner.invoke(1, path, input: {}))['r']

    write('lib/version_helper.rb', "module VersionHelper\n  def self.tag = 'helper-2'\nend\n")
    write('steps/versioned.step.rb', step_source('v2'))
    assert_equal 1, runner.load(path)['r']['deps'].size
    assert_equal 'v2 with helper-2', runner.response(runner.invoke(2, path, input: {}))['r']
  end

  def test_a_file_broken_by_an_edit_keeps_its_last_good_version
    path = noop_step('edited', "'good'")
    runner = start
    runner.load(path)
    write('steps/edited.step.rb', "def config = {\n")
    assert_equal 'SyntaxError', runner.load(path)['e']['name']
    assert_equal 'good', runner.response(runner.invoke(1, path, input: {}))['r']
  end

  def test_it_exits_at_once_when_stdin_closes
    path = noop_step('sleeper', 'sleep(30)')
    runner = start
    runner.load(path)
    runner.invoke(1, path, input: {})
    runner.close_stdin
    status = runner.wait_exit(timeout: 3)
    assert status&.success?, "exit status #{status.inspect}"
  end

  def test_shutdown_finishes_in_flight_invocations_then_exits_zero
    path = write('steps/busy.step.rb', <<~RUBY)
      def config = { type: 'noop', name: 'B' }
      def handler(_input, context)
        sleep 0.3
        context.state.get('g', 'k')
      end
    RUBY
    runner = start { |_m, _p| [true, 'late answer'] }
    runner.load(path)
    invocation = runner.invoke(1, path, input: {})
    sleep 0.05
    shutdown = runner.send_request('shutdown', {})
    refused = runner.invoke(2, path, input: {})
    assert_equal 'ShuttingDown', runner.response(refused)['e']['name']
    assert_equal 'late answer', runner.response(invocation)['r']
    assert_equal({ 't' => 'res', 'id' => shutdown, 'ok' => true, 'r' => nil }, runner.response(shutdown))
    assert_equal 0, runner.wait_exit.exitstatus
  end

  def test_a_frame_that_is_not_a_message_is_skipped_and_serving_goes_on
    runner = start
    runner.send_frame([1, 2, 3])
    assert_equal 'pong', runner.request('ping', 'pong')['r']
    assert_match(/skipped a frame: frame is Array, not a map/, runner.stderr_text_so_far)
  end

  def test_a_frame_length_over_the_maximum_stops_the_runner
    runner = start
    runner.send_bytes("hello, runner\n")
    assert_equal 1, runner.wait_exit.exitstatus
    assert_match(/over the maximum/, runner.stderr_text)
  end

  def test_a_bad_command_line_exits_2
    [[], ['--project', File.join(@project, 'missing')]].each do |args|
      _out, err, status = Open3.capture3('ruby', FakeOrchestrator::RUNNER, *args)
      assert_equal 2, status.exitstatus, err
      assert_match(/--project DIR/, err)
    end
  end

  def test_echo_answers_every_request_with_its_params_and_exits_at_eof
    echo = @runner = FakeOrchestrator.new(@project, program: File.join(FakeOrchestrator::RUBY_DIR, 'echo.rb'))
    ids = echo.send_requests([['ping', { 'a' => [1, 2.5, nil] }], ['anything', 'x']])
    assert_equal({ 'a' => [1, 2.5, nil] }, echo.response(ids[0])['r'])
    assert_equal 'x', echo.response(ids[1])['r']
    echo.close_stdin
    assert_equal 0, echo.wait_exit.exitstatus
  end
end

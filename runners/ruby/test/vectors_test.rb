# frozen_string_literal: true

require 'json'
require 'minitest/autorun'
require_relative '../lib/steppe/framing'
require_relative 'support/fake_orchestrator'

# The shared byte-level vectors (tests/protocol_vectors/vectors.json).
class VectorsTest < Minitest::Test
  VECTORS = JSON.parse(File.read(File.expand_path('../../../tests/protocol_vectors/vectors.json', __dir__)))

  def decode_all(bytes, step: bytes.bytesize)
    decoder = Steppe::Framing::Decoder.new
    out = []
    (0...bytes.bytesize).step(step) { |i| decoder.feed(bytes.byteslice(i, step)) { |m| out << m } }
    out
  end

  def test_each_frame_decodes_to_its_value_and_encodes_back_to_its_bytes
    VECTORS['frames'].each do |frame|
      bytes = [frame['hex']].pack('H*')
      assert_equal [frame['value']], decode_all(bytes), frame['name']
      assert_equal frame['hex'], Steppe::Framing.encode(frame['value']).unpack1('H*'), frame['name']
    end
  end

  def test_the_stream_fed_one_byte_at_a_time_gives_every_frame
    bytes = [VECTORS['stream']['hex']].pack('H*')
    messages = decode_all(bytes, step: 1)
    assert_equal VECTORS['stream']['count'], messages.size
    assert_equal(VECTORS['frames'].map { |f| f['value'] }, messages)
  end

  def test_text_decodes_as_utf8_and_big_integers_stay_integers
    invoke = VECTORS['frames'].find { |f| f['name'] == 'request_invoke' }
    message = decode_all([invoke['hex']].pack('H*')).first
    assert_equal 4_294_967_296, message['id']
    assert_equal(-2_147_483_649, message['p']['input']['body']['neg'])
    assert_equal Encoding::UTF_8, message['m'].encoding
  end

  def test_every_invalid_entry_is_skipped_with_its_request_id
    after = VECTORS['frames'].first
    VECTORS['invalid'].each do |entry|
      bad, *rest = decode_all([entry['hex'] + after['hex']].pack('H*'))
      assert_kind_of Steppe::Framing::BadFrame, bad, entry['name']
      entry['id'] ? assert_equal(entry['id'], bad.request_id, entry['name']) : assert_nil(bad.request_id, entry['name'])
      refute_empty bad.reason
      assert_equal [after['value']], rest, entry['name']
    end
  end

  def test_a_length_over_the_maximum_is_rejected
    VECTORS['fatal'].each do |entry|
      error = assert_raises(Steppe::ProtocolError, entry['name']) { decode_all([entry['hex']].pack('H*')) }
      refute_empty error.message
    end
  end

  def test_non_map_frames_and_unknown_kinds_are_named_in_the_error
    invalid = Steppe::Framing::InvalidFrame
    assert_match(/not a map/, assert_raises(invalid) { Steppe::Framing.check([1, 2, 3]) }.message)
    assert_match(/unknown frame kind "zap"/,
                 assert_raises(invalid) { Steppe::Framing.check('t' => 'zap', 'm' => 'x', 'p' => {}) }.message)
  end

  # The exchanges: the real runner made to produce each error name and exit
  # code that schemas/protocol.schema.json lists.
  SCHEMA = JSON.parse(File.read(File.expand_path('../../../schemas/protocol.schema.json', __dir__)))
  ERROR_NAMES = SCHEMA['$defs']['runnerErrorName']['oneOf'].map { |choice| choice['const'] }.freeze
  PROJECT = File.expand_path('fixtures/project', __dir__)
  # This runner's file for each role the exchanges name (fixtures/project/steps/).
  ROLES = {
    '$step' => 'twin_a.step.rb',
    '$no_config' => 'no_config.step.rb',
    '$waits' => 'slow.step.rb',
    '$unserialisable' => 'unserialisable.step.rb'
  }.freeze

  def with_files(frame)
    params = frame['p']
    return frame unless params.is_a?(Hash) && ROLES.key?(params['path'])

    frame.merge('p' => params.merge('path' => File.join(PROJECT, 'steps', ROLES[params['path']])))
  end

  def check_answer(response, answer, exchange)
    if answer == 'ok'
      assert response['ok'], -> { "#{exchange}: #{response.inspect}" }
    else
      assert_includes ERROR_NAMES, answer
      refute response['ok'], -> { "#{exchange}: #{response.inspect}" }
      assert_equal answer, response['e']['name'], exchange
    end
  end

  VECTORS['exchanges'].each do |exchange|
    define_method("test_exchange_#{exchange['name']}") do
      # The runner's own requests stay unanswered.
      runner = FakeOrchestrator.new(PROJECT) { |_method, _params| sleep }
      runner.wait_ready
      exchange['steps'].each do |step|
        if step.key?('send_hex')
          runner.send_bytes([step['send_hex']].pack('H*'))
          id = step['id']
        else
          frame = with_files(step['send'])
          runner.send_frame(frame)
          id = frame['id']
        end
        check_answer(runner.response(id), step['answer'], exchange['name']) if step.key?('answer')
      end
      exchange['later'].each { |later| check_answer(runner.response(later['id']), later['answer'], exchange['name']) }
      runner.close_stdin if exchange['close_stdin']
      assert_equal exchange['exit'], runner.wait_exit&.exitstatus, exchange['name']
    ensure
      runner&.kill
    end
  end
end

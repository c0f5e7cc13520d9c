# frozen_string_literal: true

require 'json'
require 'minitest/autorun'
require_relative '../lib/steppe/framing'

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

  def test_every_invalid_entry_is_rejected
    VECTORS['invalid'].each do |entry|
      error = assert_raises(Steppe::ProtocolError, entry['name']) { decode_all([entry['hex']].pack('H*')) }
      refute_empty error.message
    end
  end

  def test_non_map_frames_and_unknown_kinds_are_named_in_the_error
    assert_match(/not a map/, assert_raises(Steppe::ProtocolError) { Steppe::Framing.check([1, 2, 3]) }.message)
    assert_match(/unknown frame kind "zap"/,
                 assert_raises(Steppe::ProtocolError) { Steppe::Framing.check('t' => 'zap', 'm' => 'x', 'p' => {}) }.message)
  end
end

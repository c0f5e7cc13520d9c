# frozen_string_literal: true

require 'minitest/autorun'
require_relative '../lib/steppe/values'
require_relative '../lib/steppe/errors'

class ValuesTest < Minitest::Test
  V = Steppe::Values

  def test_symbols_become_strings_in_keys_and_values_recursively
    assert_equal({ 'a' => ['b', { 'c' => 'd' }], '1' => nil }, V.plain({ a: [:b, { c: :d }], 1 => nil }))
  end

  def test_times_and_dates_become_iso_8601
    assert_equal '2024-05-06T07:08:09.250Z', V.plain(Time.utc(2024, 5, 6, 7, 8, 9.25))
    assert_equal '2024-05-06', V.plain(Date.new(2024, 5, 6))
    assert_equal '2024-05-06T07:08:09+02:00', V.plain(DateTime.new(2024, 5, 6, 7, 8, 9, '+2'))
  end

  def test_sets_become_arrays_and_integers_stay_integers
    assert_equal [1, 2], V.plain(Set[1, 2])
    assert_equal 2**63, V.plain(2**63)
  end

  def test_binary_strings_stay_binary_unless_they_are_text
    assert_equal Encoding::UTF_8, V.plain('héllo'.b).encoding
    assert_equal Encoding::BINARY, V.plain("\xff\xfe".b).encoding
  end

  def test_an_unserialisable_value_is_named_with_its_path
    error = assert_raises(Steppe::SerializationError) { V.plain({ body: { items: [1, -> {}] } }) }
    assert_equal 'cannot serialise a Proc at body.items[1]', error.message
    assert_raises(Steppe::SerializationError) { V.plain(2**64) }
    assert_raises(Steppe::SerializationError) { V.plain(Object.new => 1) }
  end

  def test_a_cycle_is_a_serialisation_error
    cycle = []
    cycle << cycle
    assert_raises(Steppe::SerializationError) { V.plain(cycle) }
  end

  def test_a_fallback_replaces_what_cannot_be_serialised
    assert_equal({ 'error' => 'boom' }, V.plain({ error: RuntimeError.new('boom') }, &:to_s))
  end

  def test_log_text_is_always_valid_utf8
    assert_equal "a\uFFFDb", V.utf8("a\xffb".b)
    assert_equal 'é', V.utf8('é'.encode('ISO-8859-1'))
  end
end

# frozen_string_literal: true

# Printed text is cut at LINE_LIMIT bytes before it becomes a `log` note (issue
# 15 item 4), and an unfinished line keeps no more than that however long it
# grows. Motia caps nothing: each chunk a child process prints becomes a log
# entry (packages/core/src/call-step-file.ts, onStdout); Steppe's runner is
# shared, so one note that size would hold up every other step's call.

require 'minitest/autorun'
require_relative '../lib/steppe/stdio'

class StdioTest < Minitest::Test
  LIMIT = Steppe::Stdio::LINE_LIMIT
  KEPT = LIMIT - 64 # the rest of the limit is the marker's

  # Collects the notes a scope sends.
  class Notes
    attr_reader :sent

    def initialize = @sent = []
    def note(_method, params) = @sent << params
  end

  def printed(*writes)
    notes = Notes.new
    scope = Steppe::Stdio::Scope.new(notes, { 'iid' => 7 })
    writes.each { |source, text| scope.add(source, text) }
    scope.close
    notes.sent
  end

  def test_lines_that_fit_are_sent_whole
    notes = printed(['stdout', "one\r\ntw"], ['stdout', "o\n"], ['stderr', 'é' * 10])
    assert_equal [%w[info stdout one], %w[info stdout two], ['error', 'stderr', 'é' * 10]],
                 notes.map { |n| n.values_at('level', 'source', 'msg') }
    assert_equal ['z' * LIMIT], printed(['stdout', "#{'z' * LIMIT}\n"]).map { |n| n['msg'] }
  end

  def test_a_huge_line_is_cut_with_a_marker
    notes = printed(['stdout', "#{'x' * 3_000_000}\n"])
    assert_equal ["#{'x' * KEPT}… [truncated 2,934,528 bytes]"], notes.map { |n| n['msg'] }
    assert_operator notes.first['msg'].bytesize, :<=, LIMIT
    assert_equal 7, notes.first['iid']
  end

  def test_a_line_printed_in_pieces_is_cut_the_same
    notes = printed(*[['stdout', 'y' * 50_000]] * 60) # never a newline: 3,000,000 bytes
    assert_equal ["#{'y' * KEPT}… [truncated 2,934,528 bytes]"], notes.map { |n| n['msg'] }
  end

  def test_a_character_is_never_split
    notes = printed(['stdout', "a#{'é' * LIMIT}\n"])
    # 'a' and 32,735 'é' fill 65,471 bytes: the next 'é' does not fit whole.
    assert_equal "a#{'é' * ((KEPT / 2) - 1)}… [truncated 65,602 bytes]", notes.first['msg']
    assert notes.first['msg'].valid_encoding?
  end
end

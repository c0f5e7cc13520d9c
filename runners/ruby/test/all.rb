# frozen_string_literal: true

# The Ruby runner's tests: `ruby runners/ruby/test/all.rb` from the repository root.
require 'minitest/autorun'

Dir[File.join(__dir__, '*_test.rb')].sort.each { |file| require file }

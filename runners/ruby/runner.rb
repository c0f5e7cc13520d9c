# frozen_string_literal: true

# The Steppe Ruby runner: `ruby runners/ruby/runner.rb --project DIR`.
# Speaks msgpack RPC on stdin / the original stdout (runners/README.md).

require_relative 'lib/steppe/runner'

index = ARGV.index('--project')
project = index && ARGV[index + 1]
unless project && File.directory?(project)
  warn 'usage: ruby runner.rb --project DIR'
  exit 2
end

Steppe::Runner.new(project).run

# frozen_string_literal: true

require_relative 'values'

module Steppe
  # What user code prints. $stdout and $stderr become IO-like objects that
  # turn text printed inside an invocation into `log` notes carrying its iid
  # (stdout → info, stderr → error), text printed while a file loads into notes
  # carrying its path, and anything else (threads a handler starts, the runner
  # itself) into plain text on fd 2. fd 1 already points at stderr, so even
  # STDOUT.puts or a C extension cannot reach the protocol.
  class StdioCapture
    LEVELS = { 'stdout' => 'info', 'stderr' => 'error' }.freeze
    SCOPE = :steppe_output

    def self.install(writer)
      $stdout = new('stdout', writer)
      $stderr = new('stderr', writer)
    end

    # Routes output of the current thread to notes carrying `tag` (a Hash such
    # as {'iid' => 7} or {'path' => '/p/a.step.rb'}) while the block runs.
    # A thread variable, not a fiber-local, so Enumerators and fibers inside a
    # handler print under the same tag.
    def self.tagged(writer, tag)
      thread = Thread.current
      outer = thread.thread_variable_get(SCOPE)
      scope = Scope.new(writer, tag)
      thread.thread_variable_set(SCOPE, scope)
      yield
    ensure
      thread.thread_variable_set(SCOPE, outer)
      scope&.close
    end

    def initialize(source, writer)
      @source = source
      @writer = writer
    end

    def write(*objects)
      text = objects.map { |o| Values.utf8(o.to_s) }.join
      scope = Thread.current.thread_variable_get(SCOPE)
      scope ? scope.add(@source, text) : STDERR.write(text)
      text.bytesize
    end

    def <<(object)
      write(object)
      self
    end

    def print(*objects)
      write(*objects)
      nil
    end

    def puts(*objects)
      objects = [nil] if objects.empty?
      write(objects.flatten.map { |o| (s = o.to_s).end_with?("\n") ? s : "#{s}\n" }.join)
      nil
    end

    def printf(format, *args)
      write(format(format, *args))
      nil
    end

    def putc(char)
      write(char.is_a?(Integer) ? char.chr : char.to_s[0])
      char
    end

    # Scripts commonly set `$stdout.sync = true` or flush; both are no-ops here.
    def flush = self
    def sync = true
    def sync=(_value); end
    def tty? = false
    alias isatty tty?

    # Printed text of one invocation or one load, cut into lines; a line is
    # sent as a note once it is complete, a last partial line when the scope
    # closes (pp and print write a line in pieces). Only the thread that
    # opened a scope sees it, so it needs no lock.
    class Scope
      def initialize(writer, tag)
        @writer = writer
        @tag = tag
        @pending = {}
      end

      def add(source, text)
        return if text.empty?

        buffered = @pending.delete(source)
        text = buffered + text if buffered
        lines = text.split("\n", -1)
        rest = lines.pop
        @pending[source] = rest unless rest.empty?
        lines.each { |line| send_line(source, line) }
      end

      def close
        @pending.each { |source, rest| send_line(source, rest) }
        @pending.clear
      end

      private

      def send_line(source, line)
        @writer.note('log', @tag.merge('level' => LEVELS[source], 'msg' => line, 'source' => source))
      end
    end
  end
end

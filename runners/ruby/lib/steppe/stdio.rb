# frozen_string_literal: true

require_relative 'values'

module Steppe
  # The runner's standard streams (runners/README.md, "Start-up").
  #
  # The protocol keeps its own descriptors for stdin and stdout; fd 0 then
  # reads /dev/null and fd 1 points at stderr, before any user code loads, so
  # neither a step's `gets` nor anything it prints (or a program it starts) can
  # touch the protocol. $stdout and $stderr become IO-like objects that turn
  # text printed inside an invocation into `log` notes carrying its iid
  # (stdout → info, stderr → error), text printed while a file loads into notes
  # carrying its path, and anything else (threads a handler starts, the runner
  # itself) into plain text on fd 2.
  module Stdio
    LEVELS = { 'stdout' => 'info', 'stderr' => 'error' }.freeze
    SCOPE = :steppe_output

    module_function

    # Moves the protocol to private descriptors; returns [input, output].
    def take_protocol_channel
      input = STDIN.dup
      input.binmode
      STDIN.reopen(File::NULL)
      output = STDOUT.dup
      output.binmode
      output.sync = true
      STDOUT.reopen(STDERR)
      [input, output]
    end

    # Routes $stdout and $stderr through the scopes; `session` sends the notes.
    def capture_output(session)
      $stdout = Capture.new('stdout', session)
      $stderr = Capture.new('stderr', session)
    end

    # Routes output of the current thread to notes carrying `tag` (a Hash such
    # as {'iid' => 7} or {'path' => '/p/a.step.rb'}) while the block runs.
    # A thread variable, not a fiber-local, so Enumerators and fibers inside a
    # handler print under the same tag.
    def tagged(session, tag)
      outer = Thread.current.thread_variable_get(SCOPE)
      scope = Scope.new(session, tag)
      Thread.current.thread_variable_set(SCOPE, scope)
      yield
    ensure
      # A cancel can land before the scope is set up (the caller is cancellable):
      # then there is nothing to restore.
      if scope
        Thread.current.thread_variable_set(SCOPE, outer)
        scope.close
      end
    end

    # Stands in for $stdout or $stderr.
    class Capture
      def initialize(source, session)
        @source = source
        @session = session
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
    end

    # Bytes (UTF-8) sent of one printed line, marker included
    # (orchestrator/core/truncate.py has the same, so what is sent passes there
    # unchanged): a handler printing 50 MB must not make a 50 MB note, which
    # every other call would queue behind. The rest is counted, not kept, and a
    # marker says how much was cut.
    LINE_LIMIT = 64 * 1024
    MARKER_ROOM = 64

    def truncation_marker(dropped)
      "… [truncated #{dropped.to_s.reverse.scan(/\d{1,3}/).join(',').reverse} bytes]"
    end

    # Printed text of one invocation or one load, cut into lines; a line is
    # sent as a note once it is complete, a last partial line when the scope
    # closes (pp and print write a line in pieces). Only the thread that
    # opened a scope sees it, so it needs no lock.
    class Scope
      def initialize(session, tag)
        @session = session
        @tag = tag
        @pending = nil # made when the handler first prints: most never do
      end

      def add(source, text)
        # As bytes (`b` shares the buffer): a character offset into a long
        # non-ASCII line would cost a scan from its start each time.
        bytes = text.b
        start = 0
        while (stop = bytes.index("\n", start))
          line(source).add(bytes, start, stop)
          send_line(source, @pending.delete(source).text)
          start = stop + 1
        end
        line(source).add(bytes, start, bytes.bytesize) if start < bytes.bytesize
      end

      def close
        @pending&.each { |source, rest| send_line(source, rest.text) }
        @pending = nil
      end

      private

      def line(source)
        (@pending ||= {})[source] ||= Line.new
      end

      def send_line(source, line)
        @session.note('log', @tag.merge('level' => LEVELS[source], 'msg' => line, 'source' => source))
      end
    end

    # A line being printed, in pieces (bytes): at most its first LINE_LIMIT
    # bytes, and its whole size.
    class Line
      def initialize
        @head = String.new(encoding: Encoding::BINARY)
        @size = 0
      end

      def add(text, start, stop)
        room = LINE_LIMIT - @head.bytesize
        @head << text.byteslice(start, [stop - start, room].min) if room.positive?
        @size += stop - start
      end

      def text
        head = @head.force_encoding(Encoding::UTF_8)
        return head.delete_suffix("\r") if @size <= LINE_LIMIT

        kept = head.byteslice(0, LINE_LIMIT - MARKER_ROOM).scrub('') # less a split character
        "#{kept}#{Stdio.truncation_marker(@size - kept.bytesize)}"
      end
    end
  end
end

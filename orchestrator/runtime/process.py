"""One runner OS process: its three pipes, its stderr lines, its exit, its process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections import deque
from collections.abc import Callable
from pathlib import Path

import trio

from orchestrator.core.truncate import LineCutter
from orchestrator.runtime.languages import RunnerSpec

# Kept so that a crash report can show what the runner said last.
_STDERR_TAIL_LINES = 20


class RunnerProcess:
    """A started runner. stdin carries requests; stdout is the protocol pipe; stderr is text.

    The runner leads a process group of its own (`start_new_session`), so a signal to the
    group also reaches what its steps started (`os.fork()`, `child_process.spawn`): such a
    child keeps the runner's pipes open, and the group is killed with the runner.
    """

    def __init__(self, process: trio.Process, spec: RunnerSpec) -> None:
        self.process = process
        self.spec = spec
        self.stderr_tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)
        self._reaped = False

    @classmethod
    async def start(cls, spec: RunnerSpec, project_dir: Path) -> RunnerProcess:
        process = await trio.lowlevel.open_process(
            spec.command(project_dir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(project_dir),
            env=spec.environment(),
            # Own process group: a Ctrl-C in the terminal reaches the orchestrator,
            # which then stops runners in order instead of them dying mid-call; and
            # `killpg` reaches everything the runner's steps started.
            start_new_session=True,
        )
        return cls(process, spec)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def reaped(self) -> bool:
        """True once `wait` has returned: the runner and its group are gone."""
        return self._reaped

    @property
    def stdin(self) -> trio.abc.SendStream:
        assert self.process.stdin is not None
        return self.process.stdin

    @property
    def stdout(self) -> trio.abc.ReceiveStream:
        assert self.process.stdout is not None
        return self.process.stdout

    async def pump_stderr(self, on_line: Callable[[str], None]) -> None:
        """Hand every stderr line to `on_line` until the pipe closes. A line longer
        than `LINE_LIMIT` bytes is cut (`core/truncate.py`): only that much of it is
        ever held, however long it runs."""
        stream = self.process.stderr
        assert stream is not None
        lines = LineCutter()
        while chunk := await stream.receive_some(65536):
            for line in lines.feed(chunk):
                self._emit_line(line, on_line)
        last = lines.finish()
        if last is not None:
            self._emit_line(last, on_line)

    def _emit_line(self, line: str, on_line: Callable[[str], None]) -> None:
        if line:
            self.stderr_tail.append(line)
            on_line(line)

    def terminate(self) -> None:
        self._signal_group(signal.SIGTERM)

    def kill(self) -> None:
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, signum: int) -> None:
        # Only until the runner is reaped: its pid names the group until then (even as
        # a zombie), and might name someone else's afterwards.
        if not self._reaped:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signum)

    async def wait(self) -> int:
        """Wait for the runner to exit, SIGKILL what it left in its group, then reap it.

        Watching the process, not its pipes: a child a step forked holds them open after
        the runner died, and would hide the death until it exits itself.
        """
        if not self._reaped:
            await self._exited()
            self.kill()
        code = await self.process.wait()
        self._reaped = True
        return code

    async def _exited(self) -> None:
        """Return once the runner has exited, without reaping it (so its group id stays
        valid for `kill`). Each caller polls its own pidfd: trio allows one waiter per fd."""
        try:
            pidfd = os.pidfd_open(self.pid)
        except (AttributeError, OSError):  # not Linux: reap first, kill the group after
            await self.process.wait()
            return
        try:
            await trio.lowlevel.wait_readable(pidfd)
        finally:
            trio.lowlevel.notify_closing(pidfd)
            os.close(pidfd)

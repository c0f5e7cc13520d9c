"""One runner OS process: its three pipes, its stderr lines, its exit."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections import deque
from collections.abc import Callable
from pathlib import Path

import trio

from orchestrator.runtime.languages import RunnerSpec

# Kept so that a crash report can show what the runner said last.
_STDERR_TAIL_LINES = 20


class RunnerProcess:
    """A started runner. stdin carries requests; stdout is the protocol pipe; stderr is text."""

    def __init__(self, process: trio.Process, spec: RunnerSpec) -> None:
        self.process = process
        self.spec = spec
        self.stderr_tail: deque[str] = deque(maxlen=_STDERR_TAIL_LINES)

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
            # which then stops runners in order instead of them dying mid-call.
            start_new_session=True,
        )
        return cls(process, spec)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def stdin(self) -> trio.abc.SendStream:
        assert self.process.stdin is not None
        return self.process.stdin

    @property
    def stdout(self) -> trio.abc.ReceiveStream:
        assert self.process.stdout is not None
        return self.process.stdout

    async def pump_stderr(self, on_line: Callable[[str], None]) -> None:
        """Hand every stderr line to `on_line` until the pipe closes."""
        stream = self.process.stderr
        assert stream is not None
        pending = b""
        while chunk := await stream.receive_some(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                self._emit_line(raw, on_line)
        if pending:
            self._emit_line(pending, on_line)

    def _emit_line(self, raw: bytes, on_line: Callable[[str], None]) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        if line:
            self.stderr_tail.append(line)
            on_line(line)

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)

    async def wait(self) -> int:
        return await self.process.wait()

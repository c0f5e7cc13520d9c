"""A fake orchestrator for the Python runner's tests: spawns the real runner and plays
the other end of the protocol (answers its state, emit and streams calls).

Named uniquely (not conftest) so that `import` finds it whatever other test folders
the session collects."""

from __future__ import annotations

import itertools
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgpack

RUNNER_DIR = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(RUNNER_DIR))  # the tests import steppe_runner itself too

Frame = dict[str, Any]


class Orchestrator:
    """Drives one runner process. Calls back from the runner are answered from an
    in-memory state and stream store unless `hold` is set."""

    def __init__(
        self, project: Path, module: str = "steppe_runner", env: dict[str, str] | None = None
    ) -> None:
        self.project = project
        args = [sys.executable, "-m", module]
        if module == "steppe_runner":
            args += ["--project", str(project)]
        env = {**os.environ, "PYTHONPATH": str(RUNNER_DIR), **(env or {})}
        self.process = subprocess.Popen(
            args,
            cwd=project,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.frames: queue.Queue[Frame | None] = queue.Queue()
        self.stderr_lines: list[str] = []
        self.notes: list[Frame] = []
        self.calls: list[Frame] = []  # requests the runner made, as received
        self.held: list[Frame] = []  # requests left unanswered while `hold` is set
        self.responses: dict[int, Frame] = {}
        self.hold = False
        self.state: dict[str, dict[str, Any]] = {}
        self.streams: dict[tuple[str, str], dict[str, Any]] = {}
        self.ids = itertools.count(1)
        threading.Thread(target=self._read_frames, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    # Plumbing -------------------------------------------------------------------------

    def _read_frames(self) -> None:
        assert self.process.stdout is not None
        buffer = b""
        while chunk := self.process.stdout.read1(65536):
            buffer += chunk
            # Each frame: a 4-byte big-endian length, then one msgpack map.
            while len(buffer) >= 4 and len(buffer) >= 4 + (size := int.from_bytes(buffer[:4])):
                self.frames.put(msgpack.unpackb(buffer[4 : 4 + size], raw=False))
                buffer = buffer[4 + size :]
        self.frames.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr_lines.append(line.decode(errors="replace").rstrip("\n"))

    def send(self, frame: Frame) -> None:
        assert self.process.stdin is not None
        body = msgpack.packb(frame, use_bin_type=True)
        self.process.stdin.write(len(body).to_bytes(4) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        request_id = next(self.ids)
        self.send({"t": "req", "id": request_id, "m": method, "p": params})
        return request_id

    def note(self, method: str, params: Any) -> None:
        self.send({"t": "note", "m": method, "p": params})

    def next_frame(self, timeout: float = 5.0) -> Frame:
        frame = self.frames.get(timeout=timeout)
        if frame is None:
            raise EOFError("the runner closed its protocol output")
        assert frame["t"] in ("req", "res", "note"), frame
        return frame

    def pump(self, timeout: float = 5.0) -> Frame:
        """Take one frame and file it; answer it if it is a request."""
        frame = self.next_frame(timeout)
        if frame["t"] == "res":
            self.responses[frame["id"]] = frame
        elif frame["t"] == "note":
            self.notes.append(frame)
        else:
            self.calls.append(frame)
            if self.hold:
                self.held.append(frame)
            else:
                self.answer(frame)
        return frame

    def wait_until(self, done: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.pump(max(0.01, deadline - time.monotonic()))

    def response(self, request_id: int, timeout: float = 5.0) -> Frame:
        self.wait_until(lambda: request_id in self.responses, timeout)
        return self.responses.pop(request_id)

    def call(self, method: str, params: Any, timeout: float = 5.0) -> Frame:
        return self.response(self.request(method, params), timeout)

    # The runner's API ---------------------------------------------------------------

    def path(self, name: str) -> str:
        return str(self.project / "steps" / name)

    def load(self, name: str) -> Frame:
        path = self.path(name)
        kind = "stream" if name.endswith(("_stream.py", ".stream.py")) else "step"
        return self.call("load", {"path": path, "kind": kind})

    def invoke(
        self,
        name: str,
        iid: int,
        input: Any = ...,
        fn: str | None = None,
        trigger: dict[str, Any] | None = None,
    ) -> int:
        params: dict[str, Any] = {
            "iid": iid,
            "path": self.path(name),
            "ctx": {"traceId": f"trace-{iid}", "step": name, "flows": ["test"]},
        }
        if input is not ...:
            params["input"] = input
        if fn is not None:
            params["fn"] = fn
        if trigger is not None:
            params["trigger"] = trigger
        return self.request("invoke", params)

    def run(self, name: str, iid: int, *args: Any, **kwargs: Any) -> Frame:
        """`invoke`, and its answer."""
        return self.response(self.invoke(name, iid, *args, **kwargs))

    def logs(self, **match: Any) -> list[Frame]:
        found = [n["p"] for n in self.notes if n["m"] == "log"]
        return [p for p in found if all(p.get(k) == v for k, v in match.items())]

    # The fake orchestrator side -------------------------------------------------------

    def answer(self, frame: Frame) -> None:
        try:
            result = self.serve(frame["m"], frame["p"])
        except LookupError as exc:
            error = {"name": exc.args[0], "message": exc.args[1]}
            self.send({"t": "res", "id": frame["id"], "ok": False, "e": error})
        else:
            self.send({"t": "res", "id": frame["id"], "ok": True, "r": result})

    def serve(self, method: str, p: dict[str, Any]) -> Any:
        if method == "response.write":  # taken into the answer's buffer
            return None
        if method == "emit":
            if p["topic"] == "undeclared":
                raise LookupError("EmitError", "topic 'undeclared' is not in emits")
            return None
        if method.startswith("state."):
            group = self.state.setdefault(p["group"], {})
            return {
                "state.get": lambda: group.get(p["key"]),
                "state.set": lambda: group.__setitem__(p["key"], p["value"]) or p["value"],
                "state.replace": lambda: _replace(group, p["key"], p["value"]),
                "state.delete": lambda: group.pop(p["key"], None),
                "state.getGroup": lambda: list(group.values()),
                "state.clear": lambda: group.clear(),
            }[method]()
        items = self.streams.setdefault((p["stream"], p.get("groupId", "")), {})
        return {
            "streams.get": lambda: items.get(p["id"]),
            "streams.set": lambda: items.__setitem__(p["id"], p["data"]) or p["data"],
            "streams.replace": lambda: _replace(items, p["id"], p["data"]),
            "streams.delete": lambda: items.pop(p["id"], None),
            "streams.getGroup": lambda: list(items.values()),
            "streams.send": lambda: None,
        }[method]()

    def close(self) -> int:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
        code = self.process.wait(timeout=5)
        # The runner has exited, but its last stderr lines may still be in the pipe:
        # `stderr_lines` is complete only once the reader has met the end of it.
        self._stderr_reader.join(timeout=5)
        return code


def _replace(values: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """The orchestrator's `*.replace` answer: Motia 1.0's {new_value, old_value}."""
    old = values.get(key)
    values[key] = value
    return {"new_value": value, "old_value": old}

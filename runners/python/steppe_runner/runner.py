"""The runner loop: serves `load`, `invoke`, `unload`, `ping` and `shutdown` (runners/README.md).

Everything protocol-related happens on the event-loop thread. `async def` handlers
run as tasks on it; plain `def` handlers run in a thread pool, and file imports in
a thread of their own, so neither a blocking handler nor a slow import (a model
loaded at import time) holds up the other invocations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import inspect
import json
import os
import platform
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from . import motia
from .context import Context, Input
from .current import current_context
from .errors import CallError, error_info
from .flow import FlowContext
from .framing import BadFrame, Connection, FrameError, encode_error, encode_note, encode_response
from .http_response import MotiaHttpResponse
from .loader import LoadedFile, Loader, LoadError, StepFunction
from .loop import run
from .middleware import run_around
from .session import Session, Wrap
from .stdio import OutputSink, capture_output, current_sink, take_protocol_fds
from .trigger_call import call_v1
from .values import SerializationError, to_plain

# Plain `def` handlers block in their thread while they wait for the orchestrator, so
# allow many more threads than cores.
HANDLER_THREADS = 64
# The methods whose parameters are a map naming a file.
FILE_METHODS = frozenset({"invoke", "load", "unload"})
# Seconds between checks that the orchestrator that started the runner is still its parent.
PARENT_CHECK_SECONDS = 1.0


class Invocation:
    """One running handler call; what its context talks to."""

    __slots__ = (
        "cancelled", "context", "iid", "request_id", "response", "session", "sink", "task"
    )  # fmt: skip

    def __init__(self, session: Session, iid: int, request_id: int) -> None:
        self.session = session
        self.iid = iid
        self.request_id = request_id
        self.sink = OutputSink("iid", iid, self.log)
        self.cancelled = False
        self.task: asyncio.Task[None] | None = None
        self.context: Context | None = None  # what the `motia` module acts on (current.py)
        self.response: MotiaHttpResponse | None = None  # a 1.0 http handler's

    def call(self, method: str, params: dict[str, Any], wrap: Wrap | None = None) -> Any:
        if self.cancelled:
            message = f"invocation {self.iid} was cancelled by the orchestrator"
            raise CallError.named("Cancelled", message)
        return self.session.request(method, params, wrap)

    def log(self, params: dict[str, Any]) -> None:
        self.session.note("log", params)


class Runner:
    """The Endpoint of the protocol connection: one per process."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader
        self._loop = asyncio.get_running_loop()
        self._connection = Connection(self)
        self._session = Session(self._connection)
        self._inflight: dict[int, Invocation] = {}
        self._closing: asyncio.Task[None] | None = None
        self._workers = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="steppe-handler")
        # One thread, so loads and unloads happen one at a time and in order. Its event
        # loop is the runner's, for module code that calls asyncio.get_event_loop().
        self._loads = ThreadPoolExecutor(
            1, "steppe-load", initializer=asyncio.set_event_loop, initargs=(self._loop,)
        )
        self._methods: dict[str, Callable[[int, Any], None]] = {
            "invoke": self._invoke,
            "load": self._load,
            "unload": self._unload,
            "ping": self._ping,
            "shutdown": self._shutdown,
        }

    async def serve(self, protocol_in: int, protocol_out: int) -> NoReturn:
        runtime = f"{platform.python_implementation().lower()} {platform.python_version()}"
        if type(self._loop).__module__.startswith("uvloop"):
            runtime += " (uvloop)"
        ready = {
            "language": "python",
            "pid": os.getpid(),
            "runtime": runtime,
            "protocol": protocol_version(),
        }
        await self._connection.open(protocol_in, protocol_out, encode_note("ready", ready))
        await asyncio.Future()  # the runner ends through _exit
        raise AssertionError("unreachable")

    # Frames from the orchestrator -----------------------------------------------------

    def on_request(self, request_id: int, method: str, params: Any) -> None:
        if method != "ping" and (refused := self._refusal(method, params)) is not None:
            self._connection.send(encode_error(request_id, refused))
            return
        try:
            self._methods[method](request_id, params)
        except (KeyError, TypeError) as exc:  # params missing or of the wrong shape
            self._fail(request_id, "InvalidParams", f"{method}: bad params: {exc!r}")

    def _refusal(self, method: str, params: Any) -> dict[str, Any] | None:
        """Why a request is not served, checked in this order (runners/README.md, "Errors")."""
        if self._closing is not None:
            message = f"the python runner is shutting down; {method} refused"
            return {"name": "ShuttingDown", "message": message, "retryable": True}
        if method not in self._methods:
            return {
                "name": "UnknownMethod",
                "message": f"the python runner has no method {method!r}",
            }
        if method in FILE_METHODS and not (
            type(params) is dict and type(params.get("path")) is str
        ):
            return {"name": "InvalidParams", "message": f"{method} takes a map with a path"}
        return None

    def on_response(
        self, request_id: int, ok: bool, result: Any, error: dict[str, Any] | None
    ) -> None:
        self._session.settle(request_id, ok, result, error)

    def on_note(self, method: str, params: Any) -> None:
        if method == "cancel" and isinstance(params, dict):
            self._cancel(params.get("iid"))

    def on_eof(self) -> None:
        _orphaned()  # nobody is left to answer

    def on_bad_frame(self, bad: BadFrame) -> None:
        if (request_id := bad.request_id) is not None:
            self._connection.send(encode_error(request_id, bad.error("python runner")))
        elif bad.head.get("t") == "res" and isinstance(bad.head.get("id"), int):
            # The answer to one of our context calls: that call fails, not the runner.
            error = {
                "name": "BadFrame",
                "message": f"the python runner could not decode the answer: {bad.reason}",
            }
            self._session.settle(bad.head["id"], False, None, error)
        else:
            print(f"steppe python runner: skipped a frame: {bad.reason}", file=sys.__stderr__)

    def on_frame_error(self, error: FrameError) -> None:
        print(f"steppe python runner: protocol error, exiting: {error}", file=sys.__stderr__)
        _exit(1)  # the rest of the stream cannot be trusted

    # Methods ----------------------------------------------------------------------------

    def _invoke(self, request_id: int, params: dict[str, Any]) -> None:
        iid: int = params["iid"]
        path: str = params["path"]
        ctx: dict[str, Any] = params.get("ctx") or {}
        loaded = self._loader.get(path)
        if loaded is None:
            self._fail(request_id, "NotLoaded", f"{path} is not loaded in the python runner")
            return
        fn_name = params.get("fn", "handler")
        fn = loaded.functions.get(fn_name)
        if fn is None:
            self._fail(request_id, "NoSuchFunction", f"{path} defines no function {fn_name!r}")
            return
        invocation = Invocation(self._session, iid, request_id)
        context: Context
        work: Coroutine[Any, Any, Any]
        trigger = params.get("trigger")
        if isinstance(trigger, dict) and fn_name != "canAccess":  # a Motia 1.0 call
            context = FlowContext(invocation, ctx, trigger, None)
            work = call_v1(loaded, fn_name, fn, params, context, self._call, invocation)
        else:
            context = Context(
                invocation, ctx.get("traceId"), ctx.get("flows") or [], ctx.get("traceparent")
            )
            work = self._call_017(loaded, fn_name, fn, params, context)
        invocation.context = context
        invocation.task = self._loop.create_task(self._run(invocation, work))
        self._inflight[iid] = invocation

    def _call_017(
        self,
        loaded: LoadedFile,
        fn_name: str,
        fn: StepFunction,
        params: dict[str, Any],
        context: Context,
    ) -> Coroutine[Any, Any, Any]:
        """The call as Motia 0.17 makes it."""
        if fn_name == "canAccess":
            # A stream's canAccess takes Motia's (subscription, auth_context), not (input, context).
            access = params.get("input") or {}
            return self._call(fn, (access.get("subscription"), access.get("authContext")))
        if fn_name in ("onJoin", "onLeave"):
            # Motia 1.0's stream hooks: (subscription, context, auth_context).
            hook = params.get("input") or {}
            subscription = _as_input(hook.get("subscription"))
            return self._call(fn, (subscription, context, hook.get("authContext")))
        if "input" not in params:
            return self._call(fn, (context,))  # cron handlers take the context alone
        if loaded.middleware:  # an API step's: run around its handler
            req = _as_input(params["input"])
            return run_around(loaded.middleware, fn, req, context, self._call, _as_input)
        return self._call(fn, (_as_input(params["input"]), context))

    async def _call(self, fn: StepFunction, args: tuple[Any, ...]) -> Any:
        """`fn(*args)`: awaited on the loop, or, a plain `def`, in a worker thread."""
        if fn.is_async:
            return await fn.call(*args)
        call = contextvars.copy_context().run
        result = await self._loop.run_in_executor(self._workers, call, fn.call, *args)
        if inspect.isawaitable(result):  # a plain function that returned a coroutine
            result = await result
        return result

    async def _run(self, invocation: Invocation, work: Coroutine[Any, Any, Any]) -> None:
        # The task runs in its own copy of the context: what the handler prints is its own.
        current_sink.set(invocation.sink)
        current_context.set(invocation.context)
        try:
            result = await work
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from a handler too
            frame = encode_error(invocation.request_id, error_info(exc))
        else:
            frame = _result_frame(invocation.request_id, result)
        invocation.sink.close()  # its last notes go before the answer
        if not invocation.cancelled:  # a cancelled invocation was answered already
            del self._inflight[invocation.iid]
            self._connection.send(frame)

    def _cancel(self, iid: Any) -> None:
        invocation = self._inflight.pop(iid, None)
        if invocation is None:
            return
        invocation.cancelled = True
        # A task stops at its next await; a thread cannot be stopped, but its later
        # calls back are refused and its result dropped.
        if invocation.task is not None:
            invocation.task.cancel()
        if invocation.response is not None:  # its writes fail from now on
            invocation.response.abort()
        message = f"invocation {iid} was cancelled by the orchestrator"
        self._fail(invocation.request_id, "Cancelled", message)

    def _load(self, request_id: int, params: dict[str, Any]) -> None:
        future = self._loop.run_in_executor(self._loads, self._load_file, params["path"])
        future.add_done_callback(partial(self._answer, request_id))

    def _load_file(self, path: str) -> dict[str, Any]:
        sink = OutputSink("path", path, partial(self._session.note, "log"))
        token = current_sink.set(sink)
        try:
            return self._loader.load(path)
        finally:
            current_sink.reset(token)
            sink.close()

    def _unload(self, request_id: int, params: dict[str, Any]) -> None:
        future = self._loop.run_in_executor(self._loads, self._loader.unload, params["path"])
        future.add_done_callback(partial(self._answer, request_id))

    def _ping(self, request_id: int, params: Any) -> None:
        self._connection.send(encode_response(request_id, params))

    def _shutdown(self, request_id: int, params: Any) -> None:
        self._closing = self._loop.create_task(self._finish_and_exit(request_id))

    async def _finish_and_exit(self, request_id: int) -> None:
        while self._inflight:
            await asyncio.wait([inv.task for inv in self._inflight.values() if inv.task])
        self._connection.send(encode_response(request_id, None))
        await self._connection.drain()
        _exit(0)

    # Answers ---------------------------------------------------------------------------

    def _answer(self, request_id: int, future: asyncio.Future[Any]) -> None:
        exc = future.exception()
        if isinstance(exc, LoadError):
            self._connection.send(encode_error(request_id, exc.info))
        elif exc is not None:
            self._connection.send(encode_error(request_id, error_info(exc)))
        else:
            self._connection.send(_result_frame(request_id, future.result()))

    def _fail(self, request_id: int, name: str, message: str) -> None:
        self._connection.send(encode_error(request_id, {"name": name, "message": message}))


def protocol_version() -> int:
    """The protocol version this runner speaks, from the schema shipped with it (runners/
    and schemas/ sit side by side in the repository and in the installed package)."""
    schema = Path(__file__).resolve().parents[3] / "schemas" / "protocol.schema.json"
    version: int = json.loads(schema.read_text(encoding="utf-8"))["protocolVersion"]
    return version


def _as_input(value: Any) -> Any:
    return Input(value) if type(value) is dict else value


def _result_frame(request_id: int, result: Any) -> bytes:
    try:
        return encode_response(request_id, to_plain(result, "return value"))
    except (SerializationError, ValueError, OverflowError) as exc:  # OverflowError: huge ints
        error = {"name": "SerializationError", "message": str(exc), "stack": None}
        return encode_error(request_id, error)


def _exit(code: int) -> NoReturn:
    # os._exit: a handler thread that never returns must not keep the process alive.
    with contextlib.suppress(OSError, ValueError):  # stderr may be a broken pipe by now
        sys.__stderr__.flush()  # type: ignore[union-attr]
    os._exit(code)


def _orphaned() -> NoReturn:
    """The orchestrator is gone: exit. A runner leading its own process group (the
    orchestrator starts it so) kills the group, itself included: what its steps forked
    goes too, as it would have under the orchestrator."""
    if os.getpgrp() == os.getpid():
        with contextlib.suppress(OSError, ValueError):
            sys.__stderr__.flush()  # type: ignore[union-attr]
        os.killpg(0, signal.SIGKILL)
    _exit(0)


def _exit_with_parent() -> None:
    """Exit once the orchestrator is gone even if stdin cannot tell (a handler blocks
    the event loop): a thread of its own sees the parent pid change when the orphan is
    adopted (by init or a subreaper)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        _orphaned()

    threading.Thread(target=watch, name="steppe-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m steppe_runner")
    parser.add_argument("--project", required=True, help="the project root")
    args = parser.parse_args(argv)  # a bad command line exits 2
    root = os.path.abspath(args.project)
    if not os.path.isdir(root):
        parser.error(f"--project {args.project}: not a directory")
    protocol_in, protocol_out = take_protocol_fds()
    _exit_with_parent()
    capture_output()
    sys.path.insert(0, root)  # steps import the project's own packages first
    motia.install()  # `import motia` is Steppe's, whatever the project has installed
    run(_serve(root, protocol_in, protocol_out))


async def _serve(root: str, protocol_in: int, protocol_out: int) -> None:
    await Runner(Loader(root)).serve(protocol_in, protocol_out)

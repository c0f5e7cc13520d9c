"""The runner loop: serves `load`, `invoke`, `unload`, `ping` and `shutdown` (runners/README.md).

Everything protocol-related happens on the event-loop thread. `async def` handlers
run as tasks on it; plain `def` handlers run in a thread pool, and file imports in
a thread of their own, so neither a blocking handler nor a slow import (a model
loaded at import time) holds up the other invocations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import inspect
import itertools
import os
import platform
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future as ThreadFuture
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, NoReturn

from .context import Context, Input
from .errors import CallError, error_info
from .framing import (
    Connection,
    FrameError,
    encode_error,
    encode_note,
    encode_request,
    encode_response,
)
from .loader import Loader, LoadError, StepFunction
from .loop import run
from .stdio import OutputSink, capture_output, current_sink, take_protocol_fds
from .values import SerializationError, to_plain

# Plain `def` handlers block in their thread while they wait for the orchestrator, so
# allow many more threads than cores.
HANDLER_THREADS = 64


class Invocation:
    """One running handler call; what its context talks to."""

    __slots__ = ("cancelled", "iid", "request_id", "runner", "sink", "task")

    def __init__(self, runner: Runner, iid: int, request_id: int) -> None:
        self.runner = runner
        self.iid = iid
        self.request_id = request_id
        self.sink = OutputSink("iid", iid, runner.log)
        self.cancelled = False
        self.task: asyncio.Task[None] | None = None

    def call(
        self, method: str, params: dict[str, Any], wrap: Callable[[Any], Any] | None = None
    ) -> Any:
        if self.cancelled:
            message = f"invocation {self.iid} was cancelled by the orchestrator"
            raise CallError.named("Cancelled", message)
        return self.runner.request(method, params, wrap)

    def log(self, params: dict[str, Any]) -> None:
        self.runner.log(params)


class Runner:
    """The Endpoint of the protocol connection: one per process."""

    def __init__(self, loader: Loader) -> None:
        self._loader = loader
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._connection = Connection(self)
        self._request_ids = itertools.count(1)
        self._pending: dict[int, tuple[asyncio.Future[Any], Callable[[Any], Any] | None]] = {}
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
        ready = {"language": "python", "pid": os.getpid(), "runtime": runtime}
        await self._connection.open(protocol_in, protocol_out, encode_note("ready", ready))
        await asyncio.Future()  # the runner ends through _exit
        raise AssertionError("unreachable")

    # Frames from the orchestrator -----------------------------------------------------

    def on_request(self, request_id: int, method: str, params: Any) -> None:
        serve = self._methods.get(method)
        if serve is None:
            self._fail(request_id, "UnknownMethod", f"the python runner has no method {method!r}")
            return
        try:
            serve(request_id, params)
        except (KeyError, TypeError) as exc:  # params missing or of the wrong shape
            self._fail(request_id, "InvalidParams", f"{method}: bad params: {exc!r}")

    def on_response(
        self, request_id: int, ok: bool, result: Any, error: dict[str, Any] | None
    ) -> None:
        entry = self._pending.pop(request_id, None)
        if entry is None:
            return
        future, wrap = entry
        if future.done():  # the handler stopped waiting (cancelled, timed out)
            return
        if ok and wrap is not None:
            try:
                future.set_result(wrap(result))
            except Exception as exc:  # not the shape the call promises
                future.set_exception(exc)
        elif ok:
            future.set_result(result)
        else:
            assert error is not None  # framing.check guarantees it
            name = str(error.get("name") or "Error")
            future.set_exception(CallError.named(name, str(error.get("message") or "")))

    def on_note(self, method: str, params: Any) -> None:
        if method == "cancel" and isinstance(params, dict):
            self._cancel(params.get("iid"))

    def on_eof(self) -> None:
        _exit(0)  # the orchestrator is gone: nobody is left to answer

    def on_frame_error(self, error: FrameError) -> None:
        print(f"steppe python runner: protocol error, exiting: {error}", file=sys.__stderr__)
        _exit(2)

    # Methods ----------------------------------------------------------------------------

    def _invoke(self, request_id: int, params: dict[str, Any]) -> None:
        iid: int = params["iid"]
        path: str = params["path"]
        ctx: dict[str, Any] = params["ctx"]
        if self._closing is not None:
            self._fail(request_id, "ShuttingDown", "the python runner is shutting down")
            return
        loaded = self._loader.get(path)
        fn_name = params.get("fn", "handler")
        fn = loaded.functions.get(fn_name) if loaded is not None else None
        if fn is None:
            missing = "is not loaded" if loaded is None else f"defines no function {fn_name!r}"
            self._fail(request_id, "NotLoaded", f"{path} {missing} in the python runner")
            return
        invocation = Invocation(self, iid, request_id)
        context = Context(invocation, ctx["traceId"], ctx.get("flows") or [])
        if fn_name == "canAccess":
            # A stream's canAccess takes Motia's (subscription, auth_context), not (input, context).
            access = params.get("input") or {}
            args: tuple[Any, ...] = (access.get("subscription"), access.get("authContext"))
        elif "input" in params:
            value = params["input"]
            args = (Input(value) if type(value) is dict else value, context)
        else:
            args = (context,)  # cron handlers take the context alone
        invocation.task = self._loop.create_task(self._run(invocation, fn, args))
        self._inflight[iid] = invocation

    async def _run(self, invocation: Invocation, fn: StepFunction, args: tuple[Any, ...]) -> None:
        # The task runs in its own copy of the context: what the handler prints is its own.
        current_sink.set(invocation.sink)
        try:
            if fn.is_async:
                result = await fn.call(*args)
            else:
                call = contextvars.copy_context().run
                result = await self._loop.run_in_executor(self._workers, call, fn.call, *args)
                if inspect.isawaitable(result):  # a plain function that returned a coroutine
                    result = await result
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
        message = f"invocation {iid} was cancelled by the orchestrator"
        self._fail(invocation.request_id, "Cancelled", message)

    def _load(self, request_id: int, params: dict[str, Any]) -> None:
        future = self._loop.run_in_executor(self._loads, self._load_file, params["path"])
        future.add_done_callback(partial(self._answer, request_id))

    def _load_file(self, path: str) -> dict[str, Any]:
        sink = OutputSink("path", path, self.log)
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
        if self._closing is None:
            self._closing = self._loop.create_task(self._finish_and_exit(request_id))

    async def _finish_and_exit(self, request_id: int) -> None:
        while self._inflight:
            await asyncio.wait([inv.task for inv in self._inflight.values() if inv.task])
        self._connection.send(encode_response(request_id, None))
        await self._connection.drain()
        _exit(0)

    # Calls to the orchestrator ---------------------------------------------------------

    def request(self, method: str, params: Any, wrap: Callable[[Any], Any] | None) -> Any:
        """Send a request; on the loop thread returns a future, elsewhere blocks for the value."""
        if threading.get_ident() == self._loop_thread:
            return self._request(method, params, wrap)
        waiter: ThreadFuture[Any] = ThreadFuture()
        self._loop.call_soon_threadsafe(self._request_for_thread, method, params, wrap, waiter)
        return waiter.result()

    def _request(
        self, method: str, params: Any, wrap: Callable[[Any], Any] | None
    ) -> asyncio.Future[Any]:
        request_id = next(self._request_ids)
        frame = encode_request(request_id, method, params)
        future = self._loop.create_future()
        self._pending[request_id] = (future, wrap)
        self._connection.send(frame)
        return future

    def _request_for_thread(
        self, method: str, params: Any, wrap: Callable[[Any], Any] | None, waiter: ThreadFuture[Any]
    ) -> None:
        try:
            future = self._request(method, params, wrap)
        except Exception as exc:
            waiter.set_exception(exc)
            return
        future.add_done_callback(partial(_settle, waiter))

    def log(self, params: dict[str, Any]) -> None:
        """Send a `log` note, from any thread."""
        if threading.get_ident() == self._loop_thread:
            self._connection.send(encode_note("log", params))
        else:
            self._loop.call_soon_threadsafe(self.log, params)

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


def _settle(waiter: ThreadFuture[Any], future: asyncio.Future[Any]) -> None:
    """Hand the outcome of a request made for a handler thread to that thread."""
    if future.cancelled():
        waiter.cancel()
    elif (exc := future.exception()) is not None:
        waiter.set_exception(exc)
    else:
        waiter.set_result(future.result())


def _result_frame(request_id: int, result: Any) -> bytes:
    try:
        return encode_response(request_id, to_plain(result, "return value"))
    except (SerializationError, ValueError, OverflowError) as exc:  # OverflowError: huge ints
        error = {"name": "SerializationError", "message": str(exc), "stack": None}
        return encode_error(request_id, error)


def _exit(code: int) -> NoReturn:
    # os._exit: a handler thread that never returns must not keep the process alive.
    sys.__stderr__.flush()  # type: ignore[union-attr]
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m steppe_runner")
    parser.add_argument("--project", default=".", help="the project root (default: .)")
    args = parser.parse_args(argv)
    root = os.path.abspath(args.project)
    protocol_in, protocol_out = take_protocol_fds()
    capture_output()
    sys.path.insert(0, root)  # steps import the project's own packages first
    run(_serve(root, protocol_in, protocol_out))


async def _serve(root: str, protocol_in: int, protocol_out: int) -> None:
    await Runner(Loader(root)).serve(protocol_in, protocol_out)

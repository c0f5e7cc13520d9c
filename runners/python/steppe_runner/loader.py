"""Importing step and stream files, fresh on every `load`."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import itertools
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from . import triggers
from .config import plain_config
from .deps import ProjectModules
from .errors import load_error_info
from .motia.step import StepDefinition

# The functions a file may define, under the protocol's name and the Python spelling.
FUNCTIONS = {
    "handler": ("handler",),
    "canAccess": ("canAccess", "can_access"),
    "onJoin": ("onJoin", "on_join"),  # a stream's, Motia 1.0
    "onLeave": ("onLeave", "on_leave"),
}


@dataclass(frozen=True, slots=True)
class StepFunction:
    call: Callable[..., Any]
    is_async: bool  # `async def`: run as a task; otherwise in a worker thread
    one_arg: bool = False  # takes one positional argument: a 1.0 call passes the input alone


@dataclass(frozen=True, slots=True)
class LoadedFile:
    path: str
    module_name: str
    functions: dict[str, StepFunction]
    middleware: tuple[StepFunction, ...] = ()  # run around `handler` (middleware.py)
    # A 1.0 step's: each http trigger's middleware, by the trigger's index.
    trigger_middleware: dict[int, tuple[StepFunction, ...]] = field(default_factory=dict)


class LoadError(Exception):
    """A file could not be loaded; `info` is the protocol's `{name, message, stack, line}`."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(info["message"])
        self.info = info


class _SourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles from source on every load, so no bytecode cache can hand back an old version."""

    def get_code(self, fullname: str) -> CodeType:
        return self.source_to_code(self.get_data(self.path), self.path)


class Loader:
    """The loaded files of one project; `load` runs on one thread at a time."""

    def __init__(self, root: str) -> None:
        self._root = os.path.realpath(root)
        self._project = ProjectModules(root)
        self._files: dict[str, LoadedFile] = {}
        self._serial = itertools.count(1)

    def get(self, path: str) -> LoadedFile | None:
        return self._files.get(path)

    def load(self, path: str) -> dict[str, Any]:
        """Import `path` as a new module; returns the `load` result or raises LoadError.

        A failed reload leaves the previous version of the file in service.
        """
        name = self._module_name(path)
        spec = importlib.util.spec_from_file_location(name, path, loader=_SourceLoader(name, path))
        assert spec is not None and spec.loader is not None  # a loader was given
        module = importlib.util.module_from_spec(spec)
        self._project.forget_changed()
        # Registered while it runs, as `import` does: dataclasses, pickle and typing
        # resolve names through sys.modules[__name__].
        sys.modules[name] = module
        try:
            with self._project.recording(path) as deps:
                spec.loader.exec_module(module)
            config, handler = _declared(module)
            plain = plain_config(config)
        except BaseException as exc:  # anything a module body raises, SystemExit included
            del sys.modules[name]
            raise LoadError(load_error_info(exc, path)) from None
        functions = _functions(module, config, handler)
        middleware = tuple(_step_function(m) for m in config.get("middleware") or ())
        by_trigger = {}
        if triggers.is_v1(config):
            functions.update(
                {fn: _step_function(c) for fn, c in triggers.conditions(config).items()}
            )
            by_trigger = {
                index: tuple(_step_function(m) for m in chain)
                for index, chain in triggers.middleware(config).items()
            }
        previous = self._files.get(path)
        self._files[path] = LoadedFile(path, name, functions, middleware, by_trigger)
        if previous is not None:
            sys.modules.pop(previous.module_name, None)
        return {"config": plain, "handlers": list(functions), "deps": deps}

    def unload(self, path: str) -> None:
        loaded = self._files.pop(path, None)
        if loaded is not None:
            sys.modules.pop(loaded.module_name, None)

    def _module_name(self, path: str) -> str:
        """A name no other load uses. Inside the project's package tree the name sits in the
        file's package (`steps.orders.create_order_step__3`), so relative imports work."""
        stem = re.sub(r"\W", "_", os.path.basename(path).removesuffix(".py"))
        own = f"{stem}__{next(self._serial)}"
        folder = os.path.relpath(os.path.dirname(os.path.realpath(path)), self._root)
        parts = [] if folder == "." else folder.split(os.sep)
        if all(part.isidentifier() for part in parts):
            return ".".join([*parts, own])
        return own


def _declared(module: Any) -> tuple[Any, Any]:
    """The file's config (a 1.0 one normalised) and, when `config` is a `step(config,
    handler)` definition (motia-py step.py), its handler."""
    config: Any = getattr(module, "config", None)
    handler = None
    if isinstance(config, StepDefinition):
        config, handler = config.config, config.handler
    if isinstance(config, dict) and triggers.is_v1(config):
        config = triggers.normalise(config)
    return config, handler


def _functions(module: Any, config: dict[str, Any], handler: Any) -> dict[str, StepFunction]:
    found = {} if handler is None else {"handler": _step_function(handler)}
    for protocol_name, spellings in FUNCTIONS.items():
        # A stream's canAccess, on_join and on_leave may also sit in its config, as in Motia.
        candidates = [getattr(module, s, None) for s in spellings]
        candidates += [config.get(s) for s in spellings]
        fn = next((c for c in candidates if callable(c)), None)
        if fn is not None and protocol_name not in found:
            found[protocol_name] = _step_function(fn)
    return found


def _step_function(fn: Callable[..., Any]) -> StepFunction:
    return StepFunction(fn, inspect.iscoroutinefunction(fn), _takes_one(fn))


def _takes_one(fn: Callable[..., Any]) -> bool:
    """Whether `fn` takes exactly one positional argument (`async def handler(request)`)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: call it the usual way
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return False
    return sum(1 for p in parameters if p.kind in kinds) == 1

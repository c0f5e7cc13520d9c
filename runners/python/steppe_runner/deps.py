"""Which project files a step imports, and forgetting the ones that changed.

Project modules a step imports (helpers, the project's own packages) live in
sys.modules and are shared by every step that imports them, so the runner
records who imports what while files load. That gives each step its full list
of project files, even those another step imported first, and lets a reload
re-import a changed helper together with every project module that imports it.
"""

from __future__ import annotations

import builtins
import importlib.util
import os
import sys
import sysconfig
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from types import ModuleType

_RUNNER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
# Where the interpreter's own modules and installed packages live: never project files.
_LIB_PATHS = ("stdlib", "platstdlib", "purelib", "platlib")


class ProjectModules:
    """The import graph between project files, and the project modules seen so far."""

    def __init__(self, root: str) -> None:
        self._given_root = root  # deps are reported under the root as the orchestrator named it
        self._root = os.path.join(os.path.realpath(root), "")
        libraries = {os.path.realpath(sysconfig.get_path(key)) for key in _LIB_PATHS}
        self._outside = (*(os.path.join(lib, "") for lib in libraries), _RUNNER_DIR)
        self._imports: dict[str, set[str]] = {}  # importing file -> project files it imports
        self._seen: dict[str, tuple[str, tuple[int, int]]] = {}  # module name -> (file, stamp)

    def local_file(self, module: object) -> str | None:
        """The file of `module` if it belongs to the project (not a library, not the runner)."""
        file = getattr(module, "__file__", None)
        if not isinstance(file, str):
            return None
        file = os.path.realpath(file)
        if (
            not file.startswith(self._root)
            or file.startswith(self._outside)
            or f"{os.sep}site-packages{os.sep}" in file
            or f"{os.sep}dist-packages{os.sep}" in file
        ):
            return None
        return file

    @contextmanager
    def recording(self, path: str) -> Iterator[list[str]]:
        """Record the imports made while loading the step file `path`.

        Yields a list that holds, once the block ends, the project files the step
        depends on.
        """
        path = os.path.realpath(path)
        before = set(sys.modules)
        original = builtins.__import__

        def recording_import(
            name: str,
            globals: Mapping[str, object] | None = None,
            locals: Mapping[str, object] | None = None,
            fromlist: Sequence[str] | None = (),
            level: int = 0,
        ) -> ModuleType:
            module = original(name, globals, locals, fromlist, level)
            importer = globals.get("__file__") if globals else None
            if isinstance(importer, str):
                self._record(importer, module, name, fromlist)
            return module

        self._imports.pop(path, None)  # the file may no longer import what it did
        deps: list[str] = []
        builtins.__import__ = recording_import
        try:
            yield deps
        finally:
            builtins.__import__ = original
            # importlib.import_module bypasses __import__: count what it added to the step.
            for name in set(sys.modules) - before:
                file = self.local_file(sys.modules[name])
                if file is not None and file != path:  # the step's own module is not shared
                    self._remember(name, sys.modules[name])
                    self._imports.setdefault(path, set()).add(file)
            files = self._reachable(path) - {path}
            deps.extend(sorted(os.path.join(self._given_root, f[len(self._root) :]) for f in files))

    def _record(
        self, importer: str, module: ModuleType, name: str, fromlist: Sequence[str] | None
    ) -> None:
        # `import a.b` returns `a` but imports `a.b`; `from a import b` may import submodule b.
        imported = module if fromlist or "." not in name else sys.modules.get(name)
        targets: list[object] = [imported]
        if fromlist:
            targets.extend(getattr(module, item, None) for item in fromlist if item != "*")
        # Importing `a.b` runs package `a` first: it is a dependency too.
        package = getattr(imported, "__name__", "")
        while "." in package:
            package = package.rpartition(".")[0]
            targets.append(sys.modules.get(package))
        for target in targets:
            if isinstance(target, ModuleType) and (file := self._remember(None, target)):
                self._imports.setdefault(os.path.realpath(importer), set()).add(file)

    def _remember(self, name: str | None, module: ModuleType) -> str | None:
        file = self.local_file(module)
        if file is not None:
            with suppress(OSError):
                self._seen[name or module.__name__] = (file, _stamp(file))
        return file

    def _reachable(self, start: str) -> set[str]:
        found, todo = {start}, [start]
        while todo:
            for file in self._imports.get(todo.pop(), ()):
                if file not in found:
                    found.add(file)
                    todo.append(file)
        return found

    def forget_changed(self) -> None:
        """Drop from sys.modules the project modules whose file changed since they were
        imported, and those that import them, so the next import runs the new code."""
        importlib.invalidate_caches()  # finders cache directory listings: see new files too
        changed = {file for file, stamp in self._seen.values() if _stamp_or_none(file) != stamp}
        if not changed:
            return
        stale = {name for name, (file, _) in self._seen.items() if self._reachable(file) & changed}
        # A package's submodules hang off the package module: they go with it.
        packages = tuple(f"{name}." for name in stale)
        stale.update(name for name in self._seen if name.startswith(packages))
        for name in stale:
            file, _ = self._seen.pop(name)
            self._imports.pop(file, None)
            _drop_module(name)
            if file in changed:
                # A .pyc records its source's mtime in whole seconds and its size: an edit
                # within the same second that keeps the size would load the old bytecode.
                with suppress(OSError):
                    os.unlink(importlib.util.cache_from_source(file))


def _stamp(file: str) -> tuple[int, int]:
    info = os.stat(file)
    return info.st_mtime_ns, info.st_size


def _stamp_or_none(file: str) -> tuple[int, int] | None:
    try:
        return _stamp(file)
    except OSError:
        return None


def _drop_module(name: str) -> None:
    module = sys.modules.pop(name, None)
    parent_name, _, child = name.rpartition(".")
    parent = sys.modules.get(parent_name) if parent_name else None
    # `from package import child` returns the parent's attribute when it exists.
    if parent is not None and module is not None and getattr(parent, child, None) is module:
        delattr(parent, child)

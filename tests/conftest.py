"""Shared fixtures. Helpers that are not fixtures (`serving`, `wait_for`) are in
tests/helpers.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.redis_server import RedisServer


@pytest.fixture
def restore_environ() -> Iterator[None]:
    """Serving (open_runtime) loads the project's .env into this process's environment;
    undo it after the test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """A project directory built from files: {relative path: text}, or copies of dirs."""

    def make(files: dict[str, str] | None = None, copy_from: Path | None = None) -> Path:
        root = tmp_path / "project"
        if copy_from is not None:
            shutil.copytree(copy_from, root, dirs_exist_ok=True)
        for rel, text in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return make


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session (no persistence); tests keep apart by prefix."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aof_redis_server() -> Iterator[RedisServer]:
    """A redis-server of the test's own with `appendonly yes`, `appendfsync always`."""
    server = RedisServer(aof=True)
    server.start()
    yield server
    server.stop()

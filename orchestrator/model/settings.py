"""Project settings: `[tool.steppe]` in pyproject.toml, or steppe.toml (docs/reference.md §9).

steppe.toml wins when both exist, since a file named for Steppe is the more
deliberate choice. Command-line options override both.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from orchestrator.core.errors import ConfigError
from orchestrator.model.discovery import DEFAULT_STEP_DIRS


@dataclass(frozen=True, slots=True)
class CorsSettings:
    """The `[cors]` table: which other origins' pages may call API steps
    (docs/reference.md §14). Off while `origins` is empty."""

    # Origins allowed, as `scheme://host[:port]`; "*" is any.
    origins: tuple[str, ...] = ()
    # Methods a preflight allows; empty: those the path's API steps answer.
    methods: tuple[str, ...] = ()
    # Request headers a preflight allows; empty: whatever the browser asks for.
    headers: tuple[str, ...] = ()
    # Whether cookies and HTTP auth may be sent (the origin is then echoed, never "*").
    credentials: bool = False
    # Seconds a browser may cache a preflight's answer; 0 sends no Access-Control-Max-Age.
    max_age: int = 600


_CORS_TYPES: dict[str, tuple[type, ...]] = {
    "origins": (list,),
    "methods": (list,),
    "headers": (list,),
    "credentials": (bool,),
    "max_age": (int,),
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, with its default."""

    step_dirs: tuple[str, ...] = DEFAULT_STEP_DIRS
    host: str = "127.0.0.1"
    port: int = 3000
    # Largest request body accepted, in bytes (docs/reference.md §4: 1 MiB).
    body_limit: int = 1024 * 1024
    # Where state, queue and streams live unless each says otherwise: 'sqlite' (under
    # .steppe/) or 'redis' (shared by several instances, docs/reference.md §11). A settings file's
    # `backend` sets `state` and `queue` that it does not set itself.
    backend: str = "sqlite"
    # 'sqlite' (default, under .steppe/), 'memory' or 'redis'.
    state: str = "sqlite"
    # Where accepted events wait for delivery: 'sqlite' (durable, default), 'memory' or 'redis'.
    queue: str = "sqlite"
    # Where stream items live ('sqlite', 'memory' or 'redis'); None: where state lives.
    streams: str | None = None
    # The Redis server of the 'redis' stores; STEPPE_REDIS_URL wins.
    redis_url: str = "redis://127.0.0.1:6379/0"
    # What every Redis key starts with (then ':'); "" means the project folder's name.
    redis_prefix: str = ""
    # Bind the port with SO_REUSEPORT, so that several processes serve it (the kernel
    # spreads connections): what `steppe start --workers N` sets for its workers.
    reuse_port: bool = False
    # Seconds a delivery held by an instance stays its own before a live instance claims
    # it (Redis; never shorter than handler_timeout).
    visibility_timeout: float = 30.0
    # Seconds within which a second emit with the same idempotencyKey is not delivered.
    idempotency_window: float = 300.0
    # Seconds a handler may run before it is abandoned (docs/reference.md §6 default).
    handler_timeout: float = 30.0
    # Seconds a step file may take to import before it is reported as blocked.
    load_timeout: float = 10.0
    # Seconds that in-flight work gets to finish on shutdown.
    shutdown_grace: float = 10.0
    # Stream messages a WebSocket client may have waiting before it is dropped as too slow.
    stream_buffer: int = 1024
    # Agree to permessage-deflate when a stream WebSocket client offers it. Off: each
    # message would be compressed once per subscriber, which for small JSON costs more
    # CPU than it saves bytes; off, a change is framed once for every subscriber.
    stream_deflate: bool = False
    data_dir: str = ".steppe"
    # An emit to a topic missing from a non-empty `emits` is an error, not a warning.
    strict_emits: bool = False
    # Deepest nesting of arrays and objects in a request body or a value a step stores,
    # emits or streams (below every runner's decoder: Ruby's holds 128).
    max_json_depth: int = 100
    # Deliveries one trace may make in all; the rest are dead-lettered (an emit loop).
    max_trace_deliveries: int = 10_000
    # Host names /__steppe/ answers besides loopback and `host`: `.x` is x and its
    # subdomains, "*" any name (http/origin.py).
    allowed_hosts: tuple[str, ...] = ()
    # Cross-origin requests to API steps; an API step's config `cors` wins.
    cors: CorsSettings = CorsSettings()
    source: Path | None = field(default=None, compare=False)


_TYPES: dict[str, tuple[type, ...]] = {
    "step_dirs": (list,),
    "host": (str,),
    "port": (int,),
    "body_limit": (int,),
    "backend": (str,),
    "state": (str,),
    "queue": (str,),
    "streams": (str,),
    "redis_url": (str,),
    "redis_prefix": (str,),
    "visibility_timeout": (int, float),
    "reuse_port": (bool,),
    "idempotency_window": (int, float),
    "handler_timeout": (int, float),
    "shutdown_grace": (int, float),
    "load_timeout": (int, float),
    "stream_buffer": (int,),
    "stream_deflate": (bool,),
    "data_dir": (str,),
    "strict_emits": (bool,),
    "max_trace_deliveries": (int,),
    "max_json_depth": (int,),
    "allowed_hosts": (list,),
    "cors": (dict,),
}
_STORES = ("sqlite", "memory", "redis")
_CHOICES = {
    "backend": ("sqlite", "redis"),
    "state": _STORES,
    "queue": _STORES,
    "streams": _STORES,
}
REDIS_URL_VARIABLE = "STEPPE_REDIS_URL"


def streams_store(settings: Settings) -> str:
    """Where stream items live: `streams`, else where state lives."""
    return settings.streams or settings.state


def store_kinds(settings: Settings) -> set[str]:
    """The kinds of store the settings use ('sqlite', 'memory', 'redis')."""
    return {settings.state, settings.queue, streams_store(settings)}


def load_settings(project_dir: Path) -> Settings:
    """The project's settings; raises ConfigError naming the file and the key."""
    for name, table_path in (("steppe.toml", ()), ("pyproject.toml", ("tool", "steppe"))):
        path = project_dir / name
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"is not valid TOML: {exc}") from None
        for key in table_path:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if data or name == "steppe.toml":
            return _with_environment(_settings_from(path, data))
    return _with_environment(Settings())


def _with_environment(settings: Settings) -> Settings:
    url = os.environ.get(REDIS_URL_VARIABLE)
    return replace(settings, redis_url=url) if url else settings


def _settings_from(path: Path, table: dict[str, Any]) -> Settings:
    # TOML users write kebab-case keys as often as snake_case; accept both.
    values = _checked(path, table, _TYPES, prefix="")
    if "cors" in values:
        values["cors"] = CorsSettings(**_checked(path, values["cors"], _CORS_TYPES, prefix="cors."))
    # The backend is the default of each store the file leaves unset.
    for store in ("state", "queue"):
        values.setdefault(store, values.get("backend", "sqlite"))
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in known}, source=path)


def _checked(
    path: Path, table: dict[str, Any], types: dict[str, tuple[type, ...]], *, prefix: str
) -> dict[str, Any]:
    """The table's values by snake_case key, lists made tuples; raises ConfigError naming
    the key (`prefix` + key) for an unknown key or a value of the wrong type."""
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key not in types:
            close = difflib.get_close_matches(key, list(types), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(str(path), f"unknown setting{hint}", prefix + raw_key)
        expected = types[key]
        # Booleans are ints to Python, never numbers to a person writing TOML.
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            wanted = "a table" if expected == (dict,) else " or ".join(t.__name__ for t in expected)
            raise ConfigError(str(path), f"must be {wanted}, got {value!r}", prefix + raw_key)
        if key in _CHOICES and value not in _CHOICES[key]:
            choices = ", ".join(_CHOICES[key])
            raise ConfigError(str(path), f"must be one of {choices}", prefix + raw_key)
        values[key] = tuple(str(v) for v in value) if isinstance(value, list) else value
    return values

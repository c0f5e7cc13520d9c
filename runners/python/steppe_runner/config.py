"""A step's or stream's `config`, checked to be a dict and made plain data for the orchestrator."""

from __future__ import annotations

import sys
from typing import Any

from .errors import ConfigError
from .middleware import middleware_names
from .triggers import is_v1, reported
from .values import to_plain


def plain_config(config: object) -> dict[str, Any]:
    """`config` with pydantic model classes turned into JSON Schema and code left out.

    Schemas may stand in `bodySchema`, `input`, each value of `responseSchema` and a
    stream's `schema`; a model class anywhere else is converted the same way.
    `middleware` functions become their names; other functions (a stream's `canAccess`)
    are dropped as JSON drops them. Raises ConfigError when `config` is missing (None)
    or not a dict or has a middleware entry that is not a function, and
    SerializationError naming the key of any other unusable value.
    """
    if not isinstance(config, dict):
        raise ConfigError(_problem(config))
    middleware = middleware_names(config)
    if is_v1(config):  # a 1.0 step (already normalised by the loader): code in triggers
        config = {**config, "triggers": reported(config)}
    plain: dict[str, Any] = to_plain(_without_code(config), what="config")
    plain.pop("middleware", None)
    if middleware is not None:
        plain["middleware"] = middleware
    return plain


def _problem(config: object) -> str:
    if config is None:
        return "the file defines no module-level `config` dict"
    return f"`config` is a {type(config).__name__}, not a dict"


def _without_code(value: Any) -> Any:
    if _is_model_class(value):
        return value.model_json_schema()
    if isinstance(value, dict):
        return {key: _without_code(item) for key, item in value.items() if not _is_code(item)}
    if isinstance(value, list | tuple):
        return [None if _is_code(item) else _without_code(item) for item in value]
    return value


def _is_code(value: Any) -> bool:
    return callable(value) and not _is_model_class(value)


def _is_model_class(value: Any) -> bool:
    pydantic = sys.modules.get("pydantic")  # a step that uses pydantic has imported it
    return (
        pydantic is not None and isinstance(value, type) and issubclass(value, pydantic.BaseModel)
    )

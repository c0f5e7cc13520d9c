"""JSON semantics for every value that crosses the protocol (runners/README.md, "Values").

As with `json.dumps`: dict keys become strings, tuples lists; beyond it, dates
become ISO strings, sets lists, pydantic models their JSON dump. Bytes stay bytes
(msgpack bin, which the protocol carries). Anything else is refused, naming its
type and where it sits, instead of reaching the orchestrator as something it
cannot read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, time
from typing import Any


class SerializationError(TypeError):
    """Raised when a value cannot cross the protocol."""


class _Unserialisable(Exception):
    """Carries the offending object out of the walk; the path is filled in on the way up."""

    def __init__(self, value: object) -> None:
        self.value = value
        self.path: list[str] = []


class _OutOfRange(_Unserialisable):
    """An integer msgpack cannot carry (it holds 64 bits; Python ints have no bound)."""


# msgpack's integers: signed 64-bit below zero, unsigned 64-bit above.
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def to_plain(value: Any, what: str = "value") -> Any:
    """`value` with JSON semantics; raises SerializationError naming the type and `what[...]`."""
    try:
        return _plain(value, _refuse)
    except _OutOfRange as exc:
        where = what + "".join(reversed(exc.path))
        raise SerializationError(
            f"{where}: the integer {exc.value} is outside the 64-bit range a message can carry"
        ) from None
    except _Unserialisable as exc:
        where = what + "".join(reversed(exc.path))
        kind = type(exc.value).__qualname__
        raise SerializationError(f"{where}: object of type {kind} is not serialisable") from None
    except RecursionError:
        raise SerializationError(f"{what} is nested too deeply or refers to itself") from None


def to_loggable(value: Any) -> Any:
    """Like to_plain, but objects it cannot represent become their repr: logging never fails."""
    try:
        return _plain(value, repr)
    except (_Unserialisable, RecursionError):  # a key of an odd type, or a cycle
        return repr(value)


def _refuse(value: object) -> Any:
    raise _Unserialisable(value)


def _plain(value: Any, other: Callable[[Any], Any]) -> Any:
    kind = type(value)
    if kind is str or kind is float or kind is bool or value is None:
        return value
    if kind is int:
        if _INT_MIN <= value <= _INT_MAX:
            return value
        raise _OutOfRange(value)
    if kind is dict:
        return _plain_dict(value, other)
    if kind is list or kind is tuple:
        return _plain_list(value, other)
    return _plain_other(value, other)


def _plain_dict(value: dict[Any, Any], other: Callable[[Any], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    key: Any = None
    try:
        for key, item in value.items():
            out[key if type(key) is str else _key(key)] = _plain(item, other)
    except _Unserialisable as exc:
        exc.path.append(f"[{key!r}]")
        raise
    return out


def _plain_list(value: Any, other: Callable[[Any], Any]) -> list[Any]:
    out: list[Any] = []
    try:
        for item in value:
            out.append(_plain(item, other))
    except _Unserialisable as exc:
        exc.path.append(f"[{len(out)}]")
        raise
    return out


def _plain_other(value: Any, other: Callable[[Any], Any]) -> Any:
    # Subclasses of the plain types (enums, OrderedDict, namedtuple...) are reduced to them,
    # the way json.dumps writes them.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return _plain(int(value), other)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return _plain_dict(value, other)
    if isinstance(value, list | tuple | set | frozenset):
        return _plain_list(value, other)
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    pydantic = sys.modules.get("pydantic")  # no model instance can exist unless it is imported
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return _plain(value.model_dump(mode="json"), other)
    return other(value)


def _key(key: Any) -> str:
    """A dict key as json.dumps writes it."""
    if isinstance(key, str):
        return str.__str__(key)
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return float.__repr__(key)
    raise _Unserialisable(key)

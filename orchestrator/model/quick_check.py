"""A validity check compiled from the JSON Schemas steps most often carry.

Every emit and every API body is validated, and `jsonschema` takes about 12 µs for
a one-field object (its validators are general: they evolve, descend and yield).
On the event bus that was a tenth of the trio thread's time. `compile_check` turns a
schema made only of the keywords below into plain nested functions that answer
valid or not in about a microsecond, and give exactly jsonschema's answer (Draft
2020-12, formats not asserted, as `DataValidator` uses it). A schema with any other
keyword compiles to None and is left to jsonschema; so is the error list of invalid
data, which only jsonschema words.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

# Keywords that never change whether data is valid (formats are not asserted).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples",
     "deprecated", "readOnly", "writeOnly", "format"}
)  # fmt: skip
_HANDLED = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum",
     "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
     "maxLength", "minItems", "maxItems"}
)  # fmt: skip


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# jsonschema's own type checker: bool is neither integer nor number; 1.0 is an integer.
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


class _NotCompilable(Exception):
    """The schema uses something this module leaves to jsonschema."""


def compile_check(schema: Any) -> Check | None:
    """A function telling whether data is valid against `schema`, or None when the
    schema uses a keyword (or a form of one) that only jsonschema handles."""
    try:
        return _compile(schema)
    except _NotCompilable:
        return None


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, Mapping) or not set(schema) <= _HANDLED | _ANNOTATIONS:
        raise _NotCompilable
    checks = [
        check
        for check in (
            _type(schema),
            _object(schema),
            _array(schema),
            _enum(schema),
            _numeric(schema),
            _length(schema),
        )
        if check is not None
    ]
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _type(schema: Mapping[str, Any]) -> Check | None:
    if "type" not in schema:
        return None
    kinds = schema["type"]
    names = [kinds] if isinstance(kinds, str) else kinds
    if not isinstance(names, list) or not all(isinstance(n, str) and n in _TYPES for n in names):
        raise _NotCompilable
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def _object(schema: Mapping[str, Any]) -> Check | None:
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    if not isinstance(properties, Mapping) or not isinstance(required, list):
        raise _NotCompilable
    if not all(isinstance(name, str) for name in required):
        raise _NotCompilable
    if not properties and not required and extra is True:
        return None
    fields = {name: _compile(sub) for name, sub in properties.items()}
    others = _compile(extra)

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True  # object keywords say nothing of other types
        for name in required:
            if name not in value:
                return False
        for key, item in value.items():
            field = fields.get(key)
            if not (field(item) if field is not None else others(item)):
                return False
        return True

    return check


def _array(schema: Mapping[str, Any]) -> Check | None:
    items = schema.get("items", True)
    low, high = _bounds(schema, "minItems", "maxItems")
    if items is True and low is None and high is None:
        return None
    each = _compile(items)  # a list of schemas (an older draft's tuple form) is refused here

    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return False
        return all(each(item) for item in value)

    return check


def _enum(schema: Mapping[str, Any]) -> Check | None:
    if "enum" not in schema:
        return None
    allowed = schema["enum"]
    # jsonschema compares enum members with its own notion of equality (True is not 1);
    # for strings that is plain equality.
    if not isinstance(allowed, list) or not all(isinstance(v, str) for v in allowed):
        raise _NotCompilable
    members = frozenset(allowed)
    return lambda value: isinstance(value, str) and value in members


def _numeric(schema: Mapping[str, Any]) -> Check | None:
    # Each as jsonschema words its failure (`instance < minimum` fails), so that NaN,
    # which compares false with everything, passes here as it passes there.
    failures = []
    for keyword, fails in (
        ("minimum", operator.lt),
        ("maximum", operator.gt),
        ("exclusiveMinimum", operator.le),
        ("exclusiveMaximum", operator.ge),
    ):
        if keyword in schema:
            limit = schema[keyword]
            if not _is_number(limit):
                raise _NotCompilable
            failures.append((fails, limit))
    if not failures:
        return None

    def check(value: Any) -> bool:
        if not _is_number(value):
            return True
        return not any(fails(value, limit) for fails, limit in failures)

    return check


def _length(schema: Mapping[str, Any]) -> Check | None:
    low, high = _bounds(schema, "minLength", "maxLength")
    if low is None and high is None:
        return None

    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return True
        # Code points, as jsonschema counts them (Python's len of a str).
        return (low is None or len(value) >= low) and (high is None or len(value) <= high)

    return check


def _bounds(schema: Mapping[str, Any], low_key: str, high_key: str) -> tuple[int | None, ...]:
    bounds: list[int | None] = []
    for key in (low_key, high_key):
        bound = schema.get(key)
        if bound is not None and (not _TYPES["integer"](bound) or bound < 0):
            raise _NotCompilable
        bounds.append(None if bound is None else int(bound))
    return tuple(bounds)

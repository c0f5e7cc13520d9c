"""quick_check: the compiled check gives jsonschema's answer for every schema it takes."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from orchestrator.model.quick_check import compile_check
from orchestrator.model.validation import DataValidator, normalize_schema

COMPILED_SCHEMAS: list[Any] = [
    True,
    False,
    {},
    {"description": "anything", "format": "email"},  # formats are not asserted
    normalize_schema({"n": "integer"}),
    normalize_schema({"id": "string", "total": "number", "paid": "boolean", "tags": "array"}),
    {"type": ["string", "null"]},
    {"type": "integer", "minimum": 1, "exclusiveMaximum": 10},
    {"type": "number", "maximum": 2.5, "exclusiveMinimum": -1},
    {"minimum": 0},  # a numeric keyword alone says nothing of strings or objects
    {"type": "string", "minLength": 2, "maxLength": 4},
    {"enum": ["a", "b", "ünï"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3},
    {
        "type": "object",
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}},
                    "required": ["sku", "qty"],
                    "additionalProperties": False,
                },
            },
            "status": {"enum": ["new", "paid"]},
        },
        "required": ["id"],
        "additionalProperties": {"type": ["number", "boolean"]},
    },
    {"properties": {"n": False, "m": True}, "required": ["m"]},
]

LEFT_TO_JSONSCHEMA: list[Any] = [
    {"anyOf": [{"type": "string"}, {"type": "null"}]},
    {"$ref": "#/$defs/x", "$defs": {"x": {"type": "string"}}},
    {"type": "string", "pattern": "^a"},
    {"enum": [1, True, None]},  # jsonschema's equality (True is not 1) is its own
    {"const": "a"},
    {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
    {"type": "array", "prefixItems": [{"type": "string"}]},
    {"type": "object", "properties": {"a": {"not": {"type": "string"}}}},
    {"type": "thing"},
    {"nullable": True},  # unknown keywords too: better slow than wrong
]

_KEYS = ["n", "m", "id", "total", "paid", "tags", "items", "sku", "qty", "status", "x", "extra"]
_SCALARS: list[Any] = [
    None, True, False, 0, 1, -1, 3, 9, 10, 11, 2**70, 0.0, 1.0, 2.5, -0.5, 3.0, 1e300,
    float("nan"), float("inf"), "", "a", "b", "ab", "abcd", "abcde", "ünï", "new", "paid",
]  # fmt: skip


# Data that some schemas above take and random data seldom is.
_CHOSEN: list[Any] = [
    {"id": "a", "total": 1, "paid": True, "tags": []},
    {"id": "o1", "items": [{"sku": "s", "qty": 2}], "status": "paid", "x": 1.5},
    {"id": "o1", "items": [{"sku": "s", "qty": 2, "x": 1}]},
    {"m": None},
]


def _instance(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(_SCALARS)
    if roll < 0.65:
        return [_instance(rng, depth + 1) for _ in range(rng.randrange(5))]
    keys = rng.sample(_KEYS, rng.randrange(len(_KEYS) // 2))
    return {key: _instance(rng, depth + 1) for key in keys}


@pytest.mark.parametrize("schema", COMPILED_SCHEMAS, ids=repr)
def test_the_compiled_check_agrees_with_jsonschema(schema: Any) -> None:
    check = compile_check(schema)
    assert check is not None
    reference = Draft202012Validator(schema)
    rng = random.Random(20261126)
    instances = [_instance(rng) for _ in range(3000)] + _SCALARS + _CHOSEN
    for value in instances:
        assert check(value) == reference.is_valid(value), value
    if schema not in (True, False) and not set(schema) <= {"description", "format"}:
        answers = {check(value) for value in instances}
        assert answers == {True, False}, "the corpus should meet both answers"


@pytest.mark.parametrize("schema", LEFT_TO_JSONSCHEMA, ids=repr)
def test_other_keywords_are_left_to_jsonschema(schema: Any) -> None:
    assert compile_check(schema) is None


def test_invalid_data_is_still_worded_by_jsonschema() -> None:
    validator = DataValidator(normalize_schema({"n": "integer", "name": "string"}))
    assert validator.errors({"n": 1, "name": "a"}) == []
    assert [e.as_json() for e in validator.errors({"n": True})] == [
        {"path": "n", "message": "True is not of type 'integer'"},
        {"path": "name", "message": "'name' is a required property"},
    ]

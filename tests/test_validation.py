"""Config validation against schemas/step-config.schema.json, shorthand schemas, data errors."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.model.validation import (
    DataValidator,
    check_config,
    ignored_fields,
    is_shorthand,
    normalize_config,
    normalize_schema,
)

STEP = "step-config.schema.json"


def _errors(config: Any) -> list[str]:
    return [str(p) for p in check_config(config, STEP)[0]]


def test_valid_configs_of_every_type_pass() -> None:
    configs = [
        {"type": "api", "name": "A", "method": "POST", "path": "/a/:id", "emits": ["x"]},
        {
            "type": "event",
            "name": "E",
            "subscribes": ["x"],
            "emits": [{"topic": "y", "label": "L"}],
        },
        {"type": "cron", "name": "C", "cron": "*/5 * * * *"},
        {"type": "noop", "name": "N", "virtualSubscribes": ["y"], "virtualEmits": ["z"]},
    ]
    for config in configs:
        assert check_config(config, STEP) == ([], [])


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"type": "bogus", "name": "B"}, "type: 'bogus' is not one of"),
        (
            {"type": "event", "name": "E", "subscribes": "x"},
            "subscribes: 'x' is not of type 'array'",
        ),
        ({"type": "api", "name": "A", "path": "/a"}, "method: is required"),
        (
            {"type": "api", "name": "A", "method": "FETCH", "path": "/a"},
            "method: 'FETCH' is not one of 'GET'",
        ),
        ({"type": "cron", "name": "C"}, "cron: is required"),
        ({"name": "X"}, "type: is required"),
        (
            # Any non-empty name is accepted, as in Motia (issue 16); an empty one is not.
            {"type": "event", "name": "", "subscribes": ["x"]},
            "name: '' should be non-empty",
        ),
        ("not a map", "config must be a map"),
    ],
)
def test_invalid_configs_name_the_field(config: Any, expected: str) -> None:
    assert any(expected in e for e in _errors(config)), _errors(config)


def test_misspelt_required_field_suggests_the_right_one() -> None:
    errors = _errors({"type": "event", "name": "E", "subscribe": ["x"]})
    assert errors == ["subscribes: is required (found 'subscribe': did you mean 'subscribes'?)"]


def test_unknown_fields_are_warnings_with_a_suggestion() -> None:
    errors, warnings = check_config(
        {"type": "api", "name": "A", "method": "GET", "path": "/", "flow": ["f"]}, STEP
    )
    assert errors == []
    assert [str(w) for w in warnings] == [
        "flow: is not a known config field; did you mean 'flows'?"
    ]


def test_motia_fields_are_accepted_and_listed_as_ignored() -> None:
    config = {
        "type": "event",
        "name": "E",
        "subscribes": ["x"],
        "includeFiles": ["a.txt"],
        "infrastructure": {"handler": {"ram": 2048, "timeout": 5}, "queue": {"type": "fifo"}},
    }
    assert check_config(config, STEP) == ([], [])
    # includeFiles is acted on: its files are watched for reload (issue 16).
    assert ignored_fields(config) == ["infrastructure.handler.ram"]  # queue.type is acted on


def test_shorthand_is_told_apart_from_json_schema() -> None:
    assert is_shorthand({"id": "string", "amount": "number"})
    assert is_shorthand({"type": "string", "id": "string"})
    assert not is_shorthand({"type": "object"})
    assert not is_shorthand({"type": "object", "properties": {}})
    assert not is_shorthand({})


def test_shorthand_becomes_json_schema_with_required_fields() -> None:
    assert normalize_schema({"id": "string", "n": "number"}) == {
        "type": "object",
        "properties": {"id": {"type": "string"}, "n": {"type": "number"}},
        "required": ["id", "n"],
    }
    config = normalize_config(
        {"input": {"a": "boolean"}, "responseSchema": {"200": {"b": "array"}}}
    )
    assert config["input"]["properties"] == {"a": {"type": "boolean"}}
    assert config["responseSchema"]["200"]["required"] == ["b"]


def test_data_errors_carry_path_and_message() -> None:
    validator = DataValidator(normalize_schema({"name": "string", "qty": "number"}))
    assert validator.errors({"name": "x", "qty": 2}) == []
    errors = [e.as_json() for e in validator.errors({"qty": "two"})]
    assert errors == [
        {"path": "name", "message": "'name' is a required property"},
        {"path": "qty", "message": "'two' is not of type 'number'"},
    ]

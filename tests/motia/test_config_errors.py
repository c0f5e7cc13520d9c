"""Config errors that help a Motia user: a missing `type` is said once, a Motia 1.0
config (`triggers`) is checked as one, and 6/7-field cron expressions are accepted.

Motia 0.17 validates a config per type (packages/core/src/step-validator.ts at
v0.17.14-beta.196) and schedules cron with node-cron (packages/core/src/cron-handler.ts),
which reads a 6th field as seconds first; Motia 1.0's engine adds a 7th, the year."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.model.schedule import schedule, validate_expression
from orchestrator.model.trigger_validation import check_any_step_config


def messages(config: object) -> list[str]:
    return [str(e) for e in check_any_step_config(config)[0]]


def test_missing_type_is_one_error_naming_the_kinds() -> None:
    assert messages({"name": "X", "subscribes": ["a"]}) == [
        "type is required: api, event, cron or noop"
    ]
    assert messages({"name": "X"}) == ["type is required: api, event, cron or noop"]


def test_a_motia_1_config_is_checked_as_one_not_asked_for_a_type() -> None:
    config = {"name": "X", "triggers": [{"type": "http", "method": "GET", "path": "/x"}]}
    assert messages(config) == []


def test_a_wrong_type_still_names_the_allowed_values() -> None:
    (only,) = messages({"type": "queue", "name": "X"})
    assert only.startswith("type: 'queue' is not one of")


def test_six_and_seven_field_cron_expressions_are_accepted() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert validate_expression("*/5 * * * * *") is None
    assert schedule("*/5 * * * * *", start).get_next(datetime) == datetime(
        2026, 1, 1, 0, 0, 5, tzinfo=UTC
    )
    assert validate_expression("0 0 12 * * * 2027") is None
    assert schedule("0 0 12 * * * 2027", start).get_next(datetime) == datetime(
        2027, 1, 1, 12, 0, tzinfo=UTC
    )
    assert validate_expression("* * * *") is not None
    assert validate_expression("0 0 12 * * * 2027 1") is not None

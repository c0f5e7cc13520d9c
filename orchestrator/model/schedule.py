"""Cron expressions (docs/reference.md §2): 5 fields; 6 with seconds first, as Motia 0.17's
node-cron reads them; 7 with seconds first and a year last, as Motia 1.0's engine does.
croniter reads all three with `second_at_beginning`."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from orchestrator.core.errors import SteppeError


class CronExpressionError(SteppeError):
    """Raised when a cron step's expression cannot be parsed."""


def schedule(expression: str, start: datetime) -> croniter:
    """An iterator of fire times after `start`; 6 or 7 fields mean seconds come first
    (and a 7th field is the year)."""
    seconds_first = len(expression.split()) in (6, 7)
    if len(expression.split()) not in (5, 6, 7) or not croniter.is_valid(
        expression, second_at_beginning=seconds_first
    ):
        raise CronExpressionError(
            f"'{expression}' is not a valid cron expression (5 fields; 6 with seconds first;"
            " 7 with seconds first and a year last)"
        )
    return croniter(expression, start, second_at_beginning=seconds_first)


def validate_expression(expression: str) -> str | None:
    """None if the expression is valid, else what is wrong (for config checks)."""
    try:
        schedule(expression, datetime.now(UTC))
    except CronExpressionError as exc:
        return str(exc)
    return None

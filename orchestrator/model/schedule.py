"""Cron expressions (SPEC §2): 5 fields, or 6 with seconds first, through croniter."""

from __future__ import annotations

from datetime import UTC, datetime

from croniter import croniter

from orchestrator.core.errors import SteppeError


class CronExpressionError(SteppeError):
    """Raised when a cron step's expression cannot be parsed."""


def schedule(expression: str, start: datetime) -> croniter:
    """An iterator of fire times after `start`; 6 fields means seconds come first."""
    fields = expression.split()
    if len(fields) not in (5, 6) or not croniter.is_valid(
        expression, second_at_beginning=len(fields) == 6
    ):
        raise CronExpressionError(
            f"'{expression}' is not a valid cron expression (5 fields, or 6 with seconds first)"
        )
    return croniter(expression, start, second_at_beginning=len(fields) == 6)


def validate_expression(expression: str) -> str | None:
    """None if the expression is valid, else what is wrong (for config checks)."""
    try:
        schedule(expression, datetime.now(UTC))
    except CronExpressionError as exc:
        return str(exc)
    return None

"""Checking a Motia 1.0 step config (`triggers: [...]`) against
`schemas/step-config-v1.schema.json`.

The step's own fields are checked as a 0.17 config's are; then each trigger against
the schema of its type alone, so that a mistake is said once and names its place:
`triggers[1].topic is required (step 'Orders')`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import relevance

from orchestrator.model.schedule import validate_expression
from orchestrator.model.triggers import TRIGGER_TYPES, queue_options_of
from orchestrator.model.validation import (
    Problem,
    check_config,
    check_step_config,
    describe_error,
    load_schema,
)

SCHEMA = "step-config-v1.schema.json"
_INDEX = re.compile(r"^triggers\.(\d+)")


@cache
def _trigger_validator(kind: str) -> Draft202012Validator:
    defs = load_schema(SCHEMA)["$defs"]
    return Draft202012Validator({**defs[kind], "$defs": defs})


def check_any_step_config(config: Any) -> tuple[list[Problem], list[Problem]]:
    """A step config in either form: `triggers` makes it Motia 1.0's (docs/reference.md
    §2), anything else is checked as Motia 0.17's."""
    if isinstance(config, Mapping) and "triggers" in config:
        return check_v1_step_config(config)
    return check_step_config(config)


def check_v1_step_config(config: Mapping[str, Any]) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings for a 1.0 config; every error names the step."""
    errors, warnings = check_config(config, SCHEMA)
    errors = [_indexed(e) for e in errors]
    triggers = config.get("triggers")
    if isinstance(triggers, list):
        for index, trigger in enumerate(triggers):
            if isinstance(trigger, Mapping):
                found, unknown = _check_trigger(index, trigger)
                errors += found
                warnings += unknown
        errors += _queue_configs_differ(triggers)
    name = config.get("name")
    if isinstance(name, str):
        errors = [Problem(e.field, f"{e.message} (step '{name}')") for e in errors]
    return errors, warnings


def _indexed(problem: Problem) -> Problem:
    """`triggers.0.path` → `triggers[0].path`, as the file is read."""
    if problem.field is None:
        return problem
    return Problem(_INDEX.sub(r"triggers[\1]", problem.field), problem.message)


def _check_trigger(index: int, trigger: Mapping[str, Any]) -> tuple[list[Problem], list[Problem]]:
    where = f"triggers[{index}]"
    kind = trigger.get("type")
    if kind not in TRIGGER_TYPES:
        known = ", ".join(TRIGGER_TYPES)
        return [Problem(f"{where}.type", f"{kind!r} is not a trigger type ({known})")], []
    errors: list[Problem] = []
    warnings: list[Problem] = []
    validator = _trigger_validator(str(kind))
    for error in sorted(validator.iter_errors(trigger), key=relevance):
        problem = describe_error(error)
        field = f"{where}.{problem.field}" if problem.field else where
        # An unknown field of the trigger itself is a warning, as at the top level;
        # an unknown queue option is an error, as in `infrastructure.queue`.
        top_level_extra = error.validator == "additionalProperties" and not error.absolute_path
        (warnings if top_level_extra else errors).append(Problem(field, problem.message))
    if kind == "cron" and isinstance(trigger.get("expression"), str) and not errors:
        invalid = validate_expression(trigger["expression"])
        if invalid:
            errors.append(Problem(f"{where}.expression", invalid))
    return errors, warnings


def _queue_configs_differ(triggers: list[Any]) -> list[Problem]:
    """A step has one queue, whose options apply to every queue trigger: their
    `config`s must agree (or only one may have one)."""
    first: tuple[int, Any] | None = None
    for index, trigger in enumerate(triggers):
        if not isinstance(trigger, Mapping) or trigger.get("type") != "queue":
            continue
        options = queue_options_of(trigger.get("config") or {})
        if not options:
            continue
        if first is None:
            first = (index, options)
        elif options != first[1]:
            return [
                Problem(
                    f"triggers[{index}].config",
                    f"differs from triggers[{first[0]}].config; a step's queue options "
                    "apply to all its queue triggers, so give them once",
                )
            ]
    return []

"""Validating step configs against `schemas/*.json`, and data against step schemas.

Every config, from every language, passes through here, so a mistake reads the
same whichever runner loaded the file: the path, the field, what was expected.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance

from orchestrator.core.paths import SCHEMAS_DIR
from orchestrator.core.types import JSONMap
from orchestrator.model.quick_check import compile_check

SHORTHAND_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array"})
# Keys that only a JSON Schema has; a map with one of them is never the shorthand.
_SCHEMA_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$defs", "properties", "items", "required", "enum", "const",
        "anyOf", "oneOf", "allOf", "not", "additionalProperties", "format", "minimum",
        "maximum", "minLength", "maxLength", "pattern", "definitions",
    }
)  # fmt: skip
# Config fields Motia accepts that Steppe does not act on yet (docs/reference.md §2).
IGNORED_FIELDS = (
    "infrastructure.handler.ram",
    "infrastructure.handler.cpu",
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a config: where (a dotted field, or None) and what."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return with_field(self.field, self.message)


def with_field(field: str | None, message: str) -> str:
    """`field: message`, unless the message already starts by naming its field."""
    if field is None or message.startswith(f"{field} "):
        return message
    return f"{field}: {message}"


@cache
def load_schema(name: str) -> JSONMap:
    data: JSONMap = json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))
    return data


@cache
def _config_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def is_shorthand(schema: Any) -> bool:
    """True for the seed's `{field: 'string', …}` form (as opposed to a JSON Schema)."""
    if not isinstance(schema, Mapping) or not schema:
        return False
    if not all(isinstance(v, str) and v in SHORTHAND_TYPES for v in schema.values()):
        return False
    keys = set(schema)
    # {'type': 'object'} is a JSON Schema; {'type': 'string', 'id': 'string'} is shorthand.
    return not (keys & _SCHEMA_KEYWORDS) and keys != {"type"}


def normalize_schema(schema: Any) -> Any:
    """A JSON Schema for any schema form a config may carry. Shorthand fields are required."""
    if is_shorthand(schema):
        return {
            "type": "object",
            "properties": {field: {"type": kind} for field, kind in schema.items()},
            "required": list(schema),
        }
    return schema


def normalize_config(config: JSONMap) -> JSONMap:
    """The config with every schema in JSON Schema form."""
    out = dict(config)
    for key in ("bodySchema", "input", "schema"):
        if key in out and out[key] is None:
            del out[key]  # `input: None` is Motia's way of saying "no schema"
        elif key in out:
            out[key] = normalize_schema(out[key])
    responses = out.get("responseSchema")
    if isinstance(responses, Mapping):
        out["responseSchema"] = {str(k): normalize_schema(v) for k, v in responses.items()}
    triggers = out.get("triggers")
    if isinstance(triggers, list):  # Motia 1.0: the schemas are the triggers'
        out["triggers"] = [normalize_config(t) if isinstance(t, dict) else t for t in triggers]
    return out


def _field_of(error: ValidationError) -> str | None:
    parts = [str(part) for part in error.absolute_path]
    return ".".join(parts) if parts else None


def describe_error(error: ValidationError) -> Problem:
    field = _field_of(error)
    if error.validator == "required":
        # jsonschema says "'x' is a required property"; name the field instead.
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        prefix = f"{field}." if field else ""
        return Problem(f"{prefix}{missing}", "is required")
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = (error.schema.get("properties") or {}) if isinstance(error.schema, Mapping) else {}
        extra = [str(key) for key in error.instance if key not in known]
        if len(extra) == 1:
            close = _closest(extra[0], known)
            hint = f"; did you mean '{close}'?" if close else ""
            prefix = f"{field}." if field else ""
            return Problem(f"{prefix}{extra[0]}", f"is not a known option{hint}")
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value if not str(v).islower())
        allowed = allowed or ", ".join(repr(v) for v in error.validator_value)
        return Problem(field, f"{error.instance!r} is not one of {allowed}")
    return Problem(field, error.message)


def _closest(key: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.75)
    return close[0] if close else None


def check_config(config: Any, schema_name: str) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings for a config against `schemas/<schema_name>`.

    Unknown fields are warnings (Motia configs may carry more than we know of),
    except that a missing required field names the misspelt field that stands for it.
    """
    if not isinstance(config, Mapping):
        return [Problem(None, f"config must be a map, got {type(config).__name__}")], []
    validator = _config_validator(schema_name)
    errors = [describe_error(e) for e in sorted(validator.iter_errors(config), key=relevance)]
    known = load_schema(schema_name)["properties"].keys()
    warnings = []
    for key in (k for k in config if k not in known):
        suggestion = _closest(key, known)
        missing = [e for e in errors if suggestion and e.field == suggestion]
        if missing:
            hint = f"{missing[0].message} (found '{key}': did you mean '{suggestion}'?)"
            errors = [Problem(e.field, hint) if e is missing[0] else e for e in errors]
        else:
            tail = f"; did you mean '{suggestion}'?" if suggestion else ""
            warnings.append(Problem(key, f"is not a known config field{tail}"))
    return _dedupe(errors), warnings


STEP_TYPES_MESSAGE = "type is required: api, event, cron or noop"


def check_step_config(config: Any) -> tuple[list[Problem], list[Problem]]:
    """`check_config` against the (Motia 0.17) step schema, with the mistake a Motia user
    makes most said once: a missing `type` (not once per kind of step it could have
    been). `trigger_validation.check_any_step_config` also takes Motia 1.0's form."""
    errors, warnings = check_config(config, "step-config.schema.json")
    if isinstance(config, Mapping) and "type" not in config:
        errors = [Problem("type", STEP_TYPES_MESSAGE)] + [e for e in errors if e.field != "type"]
    if isinstance(config, Mapping) and config.get("subscribes") == []:
        warnings.append(Problem("subscribes", "is empty: this step can never run"))
    if isinstance(config, Mapping) and config.get("type") in ("event", "cron", "noop"):
        if "middleware" in config:
            errors.append(_middleware_off_api(config))
        if "cors" in config:
            errors.append(Problem("cors", "only API steps answer cross-origin requests"))
    if isinstance(config, Mapping) and isinstance(config.get("name"), str):
        errors = [_naming_step(e, config["name"]) for e in errors]
    return errors, warnings


def _middleware_off_api(config: Mapping[str, Any]) -> Problem:
    """Middleware runs around an API handler only; Motia 0.17's step-validator.ts refuses the
    field on every other type (strict schemas), so a step that has it is refused here too."""
    kind = str(config["type"])
    article = "an" if kind == "event" else "a"
    return Problem(
        "middleware",
        f"step '{config.get('name')}' is {article} {kind} step; only API steps run middleware "
        "(remove it, or make the step type 'api')",
    )


def _naming_step(problem: Problem, name: str) -> Problem:
    """A queue option's error names its step too: the options are per subscriber, and
    a topic's subscribers are often read side by side (docs/reference.md §12)."""
    if problem.field is None or not problem.field.startswith("infrastructure.queue"):
        return problem
    return Problem(problem.field, f"{problem.message} (step '{name}')")


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: dict[tuple[str | None, str], Problem] = {}
    for problem in problems:
        seen.setdefault((problem.field, problem.message), problem)
    return list(seen.values())


def ignored_fields(config: Mapping[str, Any]) -> list[str]:
    """The Motia fields present in a config that Steppe accepts but does not act on."""
    present = []
    for dotted in IGNORED_FIELDS:
        node: Any = config
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None:
            present.append(dotted)
    return present


@dataclass(frozen=True, slots=True)
class FieldError:
    """One violation of a data schema, in the shape of the HTTP 400 body."""

    path: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class DataValidator:
    """A compiled JSON Schema for request bodies, event inputs and stream items."""

    def __init__(self, schema: Any) -> None:
        Draft202012Validator.check_schema(schema)
        self._validator = Draft202012Validator(schema)
        # Most schemas compile to a check many times faster than jsonschema; jsonschema
        # still words the errors (and judges the schemas that do not compile).
        self._quick = compile_check(schema)

    def errors(self, data: Any) -> list[FieldError]:
        """Every violation, in a stable order; empty when the data is valid."""
        if self._quick is not None and self._quick(data):
            return []
        found = []
        for error in self._validator.iter_errors(data):
            found.append(FieldError(_json_pointer_path(error), error.message))
        return sorted(found, key=lambda e: (e.path, e.message))


def _json_pointer_path(error: ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    if error.validator == "required" and "'" in error.message:
        parts.append(error.message.split("'")[1])
    return ".".join(parts)


def schema_file(name: str) -> Path:
    """The path of one of Steppe's JSON Schemas."""
    return SCHEMAS_DIR / name

"""Request bodies as JSON: what every route that takes a body (API steps, emits) reads."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.core.json_depth import DEFAULT_MAX_JSON_DEPTH, deeper_than
from orchestrator.rpc.wire import unencodable_reason


class BadRequest(Exception):
    """Raised when a request body cannot be read as JSON."""


_INT64 = range(-(2**63), 2**64)


def _parse_int(text: str) -> int | float:
    """Integers beyond 64 bits become floats, as JSON.parse makes them in JavaScript:
    msgpack (and so every runner) cannot carry them as integers."""
    value = int(text)
    return value if value in _INT64 else float(value)


def parse_json_body(raw: bytes | str, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> Any:
    """The body as JSON (None when empty); raises BadRequest for anything malformed,
    nested deeper than `max_depth`, or that no step could receive (see
    wire.unencodable_reason)."""
    if not raw.strip():
        return None
    try:
        body = json.loads(raw, parse_int=_parse_int)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest(_too_deep(max_depth)) from None
    if deeper_than(body, max_depth):
        raise BadRequest(_too_deep(max_depth))
    reason = unencodable_reason(body)
    if reason is not None:
        raise BadRequest(f"the body cannot be passed to a step: {reason}")
    return body


def _too_deep(limit: int) -> str:
    return f"the body is nested too deeply: more than {limit} levels (max_json_depth)"

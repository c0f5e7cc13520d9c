"""Request bodies as JSON: what every route that takes a body (API steps, emits) reads."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.rpc.wire import unencodable_reason


class BadRequest(Exception):
    """Raised when a request body cannot be read as JSON."""


_INT64 = range(-(2**63), 2**64)


def _parse_int(text: str) -> int | float:
    """Integers beyond 64 bits become floats, as JSON.parse makes them in JavaScript:
    msgpack (and so every runner) cannot carry them as integers."""
    value = int(text)
    return value if value in _INT64 else float(value)


def parse_json_body(raw: bytes | str) -> Any:
    """The body as JSON (None when empty); raises BadRequest for anything malformed, or
    for JSON that no step could receive (see wire.unencodable_reason)."""
    if not raw.strip():
        return None
    try:
        body = json.loads(raw, parse_int=_parse_int)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("the body is nested too deeply") from None
    reason = unencodable_reason(body)
    if reason is not None:
        raise BadRequest(f"the body cannot be passed to a step: {reason}")
    return body

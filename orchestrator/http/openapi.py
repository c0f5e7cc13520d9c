"""`GET /openapi.json`: an OpenAPI 3.1 document generated from the API steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestrator import __version__
from orchestrator.model.step import Step
from orchestrator.model.triggers import Trigger

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "traceId"],
    "properties": {
        "error": {"type": "string"},
        "traceId": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# Answers Steppe itself may give on any API route (docs/reference.md §4).
_STANDARD_ERRORS = {
    "400": "Malformed JSON, or a body that does not match the schema",
    "413": "Request body over the size limit",
    "500": "The handler threw",
    "503": "The step's runner is unavailable",
    "504": "The handler timed out",
}


def openapi_path(path: str) -> str:
    """`/pets/:id` → `/pets/{id}`."""
    return "/".join("{" + s[1:] + "}" if s.startswith(":") else s for s in path.split("/"))


def _error_response(description: str) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {"description": description, "content": content}


def _operation(step: Step, trigger: Trigger) -> dict[str, Any]:
    parameters = [
        {"name": s[1:], "in": "path", "required": True, "schema": {"type": "string"}}
        for s in trigger.path.split("/")
        if s.startswith(":")
    ]
    for query in trigger.config.get("queryParams") or ():
        parameters.append(
            {
                "name": query["name"],
                "in": "query",
                "required": False,
                "description": query.get("description", ""),
                "schema": {"type": "string"},
            }
        )
    first = step.http_triggers[0].index
    operation: dict[str, Any] = {
        # Unique per document: a 1.0 step's second http trigger is `Name#1`.
        "operationId": step.name if trigger.index == first else f"{step.name}#{trigger.index}",
        "summary": step.config.get("description") or step.name,
        "tags": list(step.flows),
        "parameters": parameters,
    }
    body = trigger.body_schema
    if body is not None and trigger.method not in ("GET", "HEAD", "DELETE"):
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    responses: dict[str, Any] = {}
    for status, schema in (trigger.config.get("responseSchema") or {}).items():
        responses[str(status)] = {
            "description": f"{step.name} {status}",
            "content": {"application/json": {"schema": schema}},
        }
    if not responses:
        # A handler may answer any status; without a declared responseSchema, say so.
        responses["default"] = {"description": f"what {step.name} returns"}
    for status, description in _STANDARD_ERRORS.items():
        if status == "400" and body is None:
            continue
        responses.setdefault(status, _error_response(description))
    operation["responses"] = responses
    return operation


def openapi_document(steps: Iterable[Step], title: str = "Steppe API") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    routes = sorted(((t, s) for s in steps for t in s.http_triggers), key=lambda r: r[0].path)
    for trigger, step in routes:
        path = openapi_path(trigger.path)
        paths.setdefault(path, {})[trigger.method.lower()] = _operation(step, trigger)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": __version__},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
    }
